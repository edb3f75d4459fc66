package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// settleAfterFlood is the pause between the flood and the honest sign-ins
// after it: long enough for the hashing queue (128 waiters by default, some
// 10 ms each on two cores) to drain.
const settleAfterFlood = 2 * time.Second

// runFlood runs three phases: session and page requests alone (baseline); the
// same while --flood clients post sign-ins without pause; and, after a short
// settling pause, honest sign-ins alongside them. The flood must be shed with
// 503 and Retry-After, memory must stay within the hashing budget plus 100 MiB,
// the session and page requests must be served throughout, and the honest
// sign-ins must get in once the flood is over.
func (e *env) runFlood(ctx context.Context, rep *Report, m *measure, s *sampler) error {
	p := planOf(e.o)
	d := e.o.duration
	victims := []group{{p.session, e.sessionWorker}, {p.pages, e.pagesWorker}}

	r1, el1 := phase(ctx, e.o.warmup, d/4, nil, victims...)
	rep.Phases = append(rep.Phases, PhaseReport{Name: "baseline", DurationS: round(el1.Seconds(), 2),
		Ops: opsOf(r1, el1.Seconds(), "GET /api/v1/session", "GET /login")})

	flood := append(append([]group(nil), victims...), group{e.o.flood, e.floodWorker})
	r2, el2 := phase(ctx, e.o.warmup, d/2, m.mark, flood...)
	rep.Phases = append(rep.Phases, PhaseReport{Name: fmt.Sprintf("flood of %d sign-in clients", e.o.flood), DurationS: round(el2.Seconds(), 2),
		Ops: opsOf(r2, el2.Seconds(), "flood signin", "GET /api/v1/session", "GET /login")})
	rep.Ops = rep.Phases[1].Ops
	rep.Server = m.server(s)
	e.transport.CloseIdleConnections()

	sleep(ctx, settleAfterFlood)
	after := append(append([]group(nil), victims...), group{p.signin, e.signinWorker("POST /login")})
	r3, el3 := phase(ctx, 0, d/4, nil, after...)
	rep.Phases = append(rep.Phases, PhaseReport{Name: "after the flood", DurationS: round(el3.Seconds(), 2),
		Ops: opsOf(r3, el3.Seconds(), "POST /login", "GET /api/v1/session", "GET /login")})
	rep.DurationS = round((el1 + el2 + el3).Seconds(), 2)
	e.generatorReport(rep, m)

	// The flood's own answers: a sign-in (303) or shed (503); nothing else.
	var shed, signedIn, other int
	var others []string
	for _, op := range rep.Phases[1].Ops {
		if op.Name != "flood signin" {
			continue
		}
		for k, v := range op.Statuses {
			switch k {
			case "503":
				shed += v
			case "303":
				signedIn += v
			default:
				other += v
				others = append(others, fmt.Sprintf("%s×%d", k, v))
			}
		}
	}
	rep.check("flood shed with 503", shed > 0 && other == 0,
		"%d sign-ins got in, %d were shed with 503, %d got something else %s", signedIn, shed, other, strings.Join(others, ", "))
	missing := 0
	if op := findOp(rep.Phases[1].Ops, "503 without Retry-After"); op != nil {
		missing = op.Requests
	}
	rep.check("every 503 has Retry-After", missing == 0, "%d of %d 503 answers without Retry-After", missing, shed)

	victimErrors, served := 0, 0
	var worst []string
	for _, ph := range rep.Phases {
		for _, op := range ph.Ops {
			if op.Name == "GET /api/v1/session" || op.Name == "GET /login" {
				victimErrors += op.Errors
				if ph.Name != "baseline" && ph.Name != "after the flood" {
					served += op.OK
					worst = append(worst, fmt.Sprintf("%s p99 %.1f ms", op.Name, op.P99ms))
				}
			}
		}
	}
	rep.check("session and pages served throughout", victimErrors == 0 && served > 0,
		"%d errors; during the flood %d served (%s)", victimErrors, served, strings.Join(worst, ", "))
	if op := findOp(rep.Phases[2].Ops, "POST /login"); op != nil {
		rep.check("honest sign-ins get in after the flood", op.OK > 0 && op.Errors == 0,
			"%d signed in, %d refused, %s after the flood ended", op.OK, op.Errors, settleAfterFlood)
	} else {
		rep.check("honest sign-ins get in after the flood", false, "no sign-in completed")
	}
	if rep.Server != nil {
		budget := hashBudgetMiB(e.t)
		rep.check("memory bounded under the flood", rep.Server.PeakRSSMiB <= float64(budget+100),
			"peak RSS %.1f MiB, bound %d MiB (hashing budget %d MiB + 100)", rep.Server.PeakRSSMiB, budget+100, budget)
	}
	judgeVictims(rep)
	return nil
}

// judgeVictims compares session and page latency during the flood with the
// baseline: the flood may slow them (it shares the CPUs) but must not starve
// them.
func judgeVictims(rep *Report) {
	for _, name := range []string{"GET /api/v1/session", "GET /login"} {
		b, f := findOp(rep.Phases[0].Ops, name), findOp(rep.Phases[1].Ops, name)
		if b == nil || f == nil {
			continue
		}
		rep.target(name+" p99 during the flood", "< 100 ms (not starved)",
			fmt.Sprintf("%.1f ms (baseline %.1f ms); %.0f/s (baseline %.0f/s)", f.P99ms, b.P99ms, f.PerSec, b.PerSec), f.P99ms < 100)
	}
}

func findOp(ops []OpReport, name string) *OpReport {
	for i := range ops {
		if ops[i].Name == name {
			return &ops[i]
		}
	}
	return nil
}
