package main

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Measuring a run: the server's samples between two marks, and the judgement
// of the figures a run collected against their targets.

// measure takes the server's and the generator's CPU time and the server's
// hash metrics at the start and end of the measured time.
type measure struct {
	t                *target
	e                *env
	srv0, srv1       time.Duration
	self0, self1     time.Duration
	hash0, hash1     hashMetrics
	started, stopped time.Time
}

func (m *measure) mark(start bool) {
	now, srv, self := time.Now(), time.Duration(0), selfCPU()
	if m.t.pid != 0 {
		srv = procCPU(m.t.pid)
	}
	hm := readHashMetrics(m.e)
	if start {
		m.started, m.srv0, m.self0, m.hash0 = now, srv, self, hm
	} else {
		m.stopped, m.srv1, m.self1, m.hash1 = now, srv, self, hm
	}
}

func (m *measure) server(s *sampler) *ServerReport {
	if m.t.pid == 0 {
		return nil
	}
	return &ServerReport{
		PID: m.t.pid, PeakRSSMiB: mib(procStatus(m.t.pid, "VmHWM")), MaxSampledRSSMiB: mib(s.max()),
		CPUSeconds: round((m.srv1 - m.srv0).Seconds(), 2),
	}
}

func mib(b int64) float64 { return round(float64(b)/(1<<20), 1) }

// runSimple runs one scenario's workers for the measured time and judges it.
func (e *env) runSimple(ctx context.Context, rep *Report, m *measure, p plan) {
	var g group
	var main string
	switch e.o.scenario {
	case "signin":
		g, main = group{p.signin, e.signinWorker("POST /login")}, "POST /login"
	case "session", "forwardauth":
		c := checks[e.o.scenario]
		g, main = group{p.session, checkWorker(c, e.sessions, c.name, e.raw)}, c.name
	case "pages":
		g, main = group{p.pages, e.pagesWorker}, "GET /login"
	case "forgot":
		g, main = group{p.forgot, e.forgotWorker}, "POST /forgot-password"
	case "reset":
		g, main = group{p.reset, e.resetWorker}, "reset"
	case "search":
		g, main = group{p.search, e.searchWorker}, "search"
	}
	all, elapsed := phase(ctx, e.o.warmup, e.o.duration, m.mark, g)
	rep.DurationS = round(elapsed.Seconds(), 2)
	rep.Ops = opsOf(all, elapsed.Seconds(), main, "filtered list")
	rep.Server = m.server(startedSampler(e))
	e.generatorReport(rep, m)
	judgeErrors(rep)
	op := rep.op(main)
	if op == nil {
		op = &OpReport{Name: main}
	}
	switch e.o.scenario {
	case "signin":
		e.judgeSignin(rep, m, op)
	case "session", "forwardauth":
		if e.o.scenario == "session" {
			rep.target("session requests per second", "≥ 30000", fmt.Sprintf("%.0f", op.PerSec), op.PerSec >= 30000)
		}
		if err := e.runBaseline(ctx, rep, op, checks[e.o.scenario]); err != nil {
			rep.check("baseline measured", false, "%v", err)
		}
	case "pages":
		rep.target("sign-in pages per second", "≥ 10000", fmt.Sprintf("%.0f", op.PerSec), op.PerSec >= 10000)
	case "forgot":
		rep.target("forgot-password requests per second", "≥ 1000", fmt.Sprintf("%.0f", op.PerSec), op.PerSec >= 1000)
	}
}

func startedSampler(e *env) *sampler { return e.sampler }

func (e *env) generatorReport(rep *Report, m *measure) {
	n := 0
	for _, op := range rep.Ops {
		n += op.Requests
	}
	for _, ph := range rep.Phases {
		for _, op := range ph.Ops {
			n += op.Requests
		}
	}
	g := &GeneratorReport{CPUSeconds: round((m.self1 - m.self0).Seconds(), 2)}
	if n > 0 {
		g.CPUPerRequestUs = round(float64((m.self1-m.self0).Microseconds())/float64(n), 1)
	}
	rep.Generator = g
}

// judgeErrors checks that every request got the answer the scenario expects,
// and in particular that none got a 5xx.
func judgeErrors(rep *Report) {
	bad, fivexx := 0, 0
	var where []string
	for _, op := range allOps(rep) {
		bad += op.Errors
		for k, v := range op.Statuses {
			if strings.HasPrefix(k, "5") {
				fivexx += v
				where = append(where, fmt.Sprintf("%s %s×%d", op.Name, k, v))
			}
		}
	}
	rep.check("no 5xx", fivexx == 0, "%d server errors %s", fivexx, strings.Join(where, ", "))
	rep.check("no unexpected answers", bad == 0, "%d requests got another answer than expected", bad)
}

func allOps(rep *Report) []OpReport {
	ops := append([]OpReport(nil), rep.Ops...)
	for _, p := range rep.Phases {
		ops = append(ops, p.Ops...)
	}
	return ops
}

// judgeSignin relates the sign-in rate to the hash-bound limit and the
// server's CPU per sign-in to the hash's.
func (e *env) judgeSignin(rep *Report, m *measure, op *OpReport) {
	h := rep.Hash
	if h == nil {
		return
	}
	h.SigninPerSec = op.PerSec
	if h.LimitPerSec > 0 {
		h.Ratio = round(op.PerSec/h.LimitPerSec, 3)
	}
	if h.ParallelLimitPerSec > 0 {
		h.ParallelRatio = round(op.PerSec/h.ParallelLimitPerSec, 3)
	}
	n := m.hash1.count - m.hash0.count
	hashCPU := m.hash1.cpu - m.hash0.cpu
	if n > 0 {
		h.ServerHashMs = round((m.hash1.sum-m.hash0.sum)/n*1000, 2)
		if hashCPU > 0 {
			h.ServerHashCPUMs = round(hashCPU/n*1000, 2)
		}
	}
	if op.OK > 0 && m.t.pid != 0 {
		per := (m.srv1 - m.srv0).Seconds() * 1000 / float64(op.OK)
		h.ServerCPUPerSigninMs = round(per, 2)
		if hashCPU > 0 {
			// Exact whatever else runs on the machine: the server's own
			// hashes' CPU time, per sign-in.
			h.CPUBeyondHashMs = round(per-hashCPU*1000/float64(op.OK), 2)
		} else {
			h.CPUBeyondHashMs = round(per-h.HashCPUMs, 2)
		}
	}
	rep.target(fmt.Sprintf("sign-ins at concurrency %d vs the hash-bound limit", e.o.concurrency), "≥ 95%",
		fmt.Sprintf("%.1f%% (%.1f of %.1f/s)", 100*h.Ratio, op.PerSec, h.LimitPerSec), h.Ratio >= 0.95)
	if h.ParallelLimitPerSec > 0 {
		// The regression guard: what the server adds to the hashes must not
		// cost sign-ins. The parallel rate is the machine's own with a hash
		// on every core, so it holds on any machine, loaded or not.
		rep.target(fmt.Sprintf("sign-ins at concurrency %d vs the parallel hashing rate, no errors (regression guard)", e.o.concurrency),
			"≥ 95%, 0 errors", fmt.Sprintf("%.1f%% (%.1f of %.1f/s), %d errors", 100*h.ParallelRatio, op.PerSec, h.ParallelLimitPerSec, op.Errors),
			h.ParallelRatio >= 0.95 && op.Errors == 0)
	}
	if rep.Server != nil && e.o.concurrency == 32 {
		rep.target("peak server memory at 32 concurrent sign-ins", "< 150 MiB",
			fmt.Sprintf("%.1f MiB", rep.Server.PeakRSSMiB), rep.Server.PeakRSSMiB < 150)
	}
}
