package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Report is everything a run found. Its JSON form (--json) is stable: scripts
// may read it.
type Report struct {
	Scenario    string  `json:"scenario"`
	Target      string  `json:"target"`   // "started" or the --url
	Database    string  `json:"database"` // sqlite, postgres or unknown
	DurationS   float64 `json:"duration_seconds"`
	Concurrency int     `json:"concurrency"`
	Members     int     `json:"members"`
	CPUs        int     `json:"cpus"`
	// LoadAvg is this machine's 1-minute load average before and after the
	// run: figures taken while other work ran are low.
	LoadAvgBefore float64 `json:"load_average_before"`
	LoadAvgAfter  float64 `json:"load_average_after"`

	Ops       []OpReport       `json:"ops"`
	Phases    []PhaseReport    `json:"phases,omitempty"` // flood
	Server    *ServerReport    `json:"server,omitempty"`
	Generator *GeneratorReport `json:"generator,omitempty"`
	// CPUPerRequest compares the CPU time a request cost the server with
	// what it cost the bare baseline server (session and forwardauth).
	CPUPerRequest *CPUPerRequest `json:"cpu_per_request,omitempty"`
	Hash          *HashReport    `json:"hash,omitempty"`
	Seed          *SeedReport    `json:"seed,omitempty"` // search
	// StoreTimings are the search scenario's timings of the list's sort
	// orders and counts, through the store in this process.
	StoreTimings []StoreTiming `json:"store_timings,omitempty"`
	Targets      []Target      `json:"targets,omitempty"`
	Checks       []Check       `json:"checks"`
	Notes        []string      `json:"notes,omitempty"`
	Passed       bool          `json:"passed"`
}

// PhaseReport is one phase of the flood scenario.
type PhaseReport struct {
	Name      string     `json:"name"`
	DurationS float64    `json:"duration_seconds"`
	Ops       []OpReport `json:"ops"`
}

// ServerReport is what the server used, when its process is known.
type ServerReport struct {
	PID              int     `json:"pid"`
	PeakRSSMiB       float64 `json:"peak_rss_mib"`        // VmHWM: the high-water mark since start
	MaxSampledRSSMiB float64 `json:"max_sampled_rss_mib"` // the largest VmRSS seen, sampled every 100 ms
	CPUSeconds       float64 `json:"cpu_seconds"`         // during the measured time
	Goroutines       int     `json:"goroutines,omitempty"`
	ExitOK           *bool   `json:"exit_ok,omitempty"`
}

// GeneratorReport is what the generator itself used of the shared machine.
type GeneratorReport struct {
	CPUSeconds      float64 `json:"cpu_seconds"`
	CPUPerRequestUs float64 `json:"cpu_per_request_us"`
}

// CPUPerRequest is the CPU time per answered request of the server and of
// the baseline server, each over its own measured time, user and system
// (the kernel's share of the connection's reads and writes) together.
type CPUPerRequest struct {
	ServerUs   float64 `json:"server_us"`
	BaselineUs float64 `json:"baseline_us"`
}

// SeedReport is how the search scenario's members were put in the database.
type SeedReport struct {
	Members int     `json:"members"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"per_second"`
	// The growth scenario's audit events (--audit-events), and how long
	// their insert and the VACUUM ANALYZE after it took.
	AuditEvents  int     `json:"audit_events,omitempty"`
	AuditSeconds float64 `json:"audit_seconds,omitempty"`
	AuditPerSec  float64 `json:"audit_per_second,omitempty"`
}

// StoreTiming is one call of the member store, timed Runs times in a row.
type StoreTiming struct {
	Name  string  `json:"name"`
	Runs  int     `json:"runs"`
	Rows  int     `json:"rows"` // members on the page, or the count
	P50ms float64 `json:"p50_ms"`
	MaxMs float64 `json:"max_ms"`
	Error string  `json:"error,omitempty"`
}

// Target is one of the project's published targets and whether this run met it
// (figures are from this machine, as loaded as it was: see LoadAvg).
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	Met  bool   `json:"met"`
	// NotJudged says why the target was not judged (the machine was
	// loaded: see quietTarget); Met is then false.
	NotJudged string `json:"not_judged,omitempty"`
}

// Check is a pass/fail verdict that does not depend on the machine's speed: an
// error, a 5xx, a leak, a lost email. A failed check fails the command.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

func (r *Report) check(name string, ok bool, format string, a ...any) {
	r.Checks = append(r.Checks, Check{Name: name, OK: ok, Detail: fmt.Sprintf(format, a...)})
}

func (r *Report) target(name, want, got string, met bool) {
	r.Targets = append(r.Targets, Target{Name: name, Want: want, Got: got, Met: met})
}

func (r *Report) op(name string) *OpReport {
	for i := range r.Ops {
		if r.Ops[i].Name == name {
			return &r.Ops[i]
		}
	}
	return nil
}

// opsOf turns recorders into reports, the scenario's main requests first.
func opsOf(all map[string]*recorder, elapsed float64, first ...string) []OpReport {
	names := sortedKeys(all)
	rank := func(n string) int {
		for i, f := range first {
			if f == n {
				return i
			}
		}
		return len(first)
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	var out []OpReport
	for _, n := range names {
		out = append(out, all[n].report(n, secondsDur(elapsed)))
	}
	return out
}

func (r *Report) writeText(w io.Writer) {
	fmt.Fprintf(w, "scenario %s: %s server on %s, %d clients, %.1fs measured, %d CPUs, load average %.2f before, %.2f after\n",
		r.Scenario, r.Target, r.Database, r.Concurrency, r.DurationS, r.CPUs, r.LoadAvgBefore, r.LoadAvgAfter)
	writeOps := func(ops []OpReport, indent string) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "%srequest\tok/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\tok\terrors\t\n", indent)
		for _, o := range ops {
			fmt.Fprintf(tw, "%s%s\t%.1f\t%.2f\t%.2f\t%.2f\t%.1f\t%d\t%d\t\n", indent, o.Name, o.PerSec, o.P50ms, o.P95ms, o.P99ms, o.MaxMs, o.OK, o.Errors)
		}
		tw.Flush()
		for _, o := range ops {
			if o.Errors == 0 {
				continue
			}
			var parts []string
			for _, k := range sortedKeys(o.Statuses) {
				parts = append(parts, fmt.Sprintf("%s×%d", k, o.Statuses[k]))
			}
			fmt.Fprintf(w, "%s  %s answers: %s\n", indent, o.Name, strings.Join(parts, ", "))
		}
	}
	fmt.Fprintln(w)
	writeOps(r.Ops, "")
	for _, p := range r.Phases {
		fmt.Fprintf(w, "\nphase %s (%.1fs)\n", p.Name, p.DurationS)
		writeOps(p.Ops, "  ")
	}
	if s := r.Server; s != nil {
		fmt.Fprintf(w, "\nserver pid %d: peak RSS %.1f MiB (largest sample %.1f MiB), %.2f CPU-seconds while measured\n",
			s.PID, s.PeakRSSMiB, s.MaxSampledRSSMiB, s.CPUSeconds)
	}
	if g := r.Generator; g != nil {
		fmt.Fprintf(w, "generator: %.2f CPU-seconds, %.1f µs per request\n", g.CPUSeconds, g.CPUPerRequestUs)
	}
	if c := r.CPUPerRequest; c != nil {
		fmt.Fprintf(w, "CPU per request: the server %.1f µs, the baseline server %.1f µs (%.1f µs more)\n", c.ServerUs, c.BaselineUs, c.ServerUs-c.BaselineUs)
	}
	if h := r.Hash; h != nil {
		fmt.Fprintf(w, "\nhash: argon2id m=%d KiB t=%d p=%d takes %.2f ms (%.2f ms CPU) alone; %d cores ÷ that = %.1f sign-ins/s at most\n",
			h.Memory, h.Time, h.Threads, h.HashMs, h.HashCPUMs, h.Cores, h.LimitPerSec)
		if h.SigninPerSec > 0 {
			fmt.Fprintf(w, "measured %.1f sign-ins/s = %.1f%% of the hash-bound limit", h.SigninPerSec, 100*h.Ratio)
			if h.ServerHashMs > 0 {
				fmt.Fprintf(w, "; the server's own hashes took %.2f ms on average", h.ServerHashMs)
				if h.ServerHashCPUMs > 0 {
					fmt.Fprintf(w, " (%.2f ms CPU)", h.ServerHashCPUMs)
				}
			}
			fmt.Fprintln(w)
			if h.ParallelLimitPerSec > 0 {
				fmt.Fprintf(w, "with a hash on every core at once the machine does %.1f hashes/s; the sign-ins are %.1f%% of that\n",
					h.ParallelLimitPerSec, 100*h.ParallelRatio)
			}
		}
		if h.ServerCPUPerSigninMs > 0 {
			fmt.Fprintf(w, "server CPU per sign-in %.2f ms, of which beyond the hash %.2f ms\n", h.ServerCPUPerSigninMs, h.CPUBeyondHashMs)
		}
	}
	if sd := r.Seed; sd != nil {
		fmt.Fprintf(w, "\nseeded %d members in %.1f s (%.0f/s)\n", sd.Members, sd.Seconds, sd.PerSec)
		if sd.AuditEvents > 0 {
			fmt.Fprintf(w, "seeded %d audit events in %.1f s (%.0f/s)\n", sd.AuditEvents, sd.AuditSeconds, sd.AuditPerSec)
		}
	}
	if len(r.StoreTimings) > 0 {
		fmt.Fprintln(w, "\nthe member store in this process, the server idle (median and slowest of the runs):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "call\trows\tp50 ms\tmax ms\t\n")
		for _, t := range r.StoreTimings {
			fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%s\n", t.Name, t.Rows, t.P50ms, t.MaxMs, t.Error)
		}
		tw.Flush()
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "\ntargets (this machine, this load):")
		for _, t := range r.Targets {
			verdict := "met"
			switch {
			case t.NotJudged != "":
				verdict = "not judged"
			case !t.Met:
				verdict = "MISSED"
			}
			fmt.Fprintf(w, "  %-6s %s: want %s, got %s", verdict, t.Name, t.Want, t.Got)
			if t.NotJudged != "" {
				fmt.Fprintf(w, " (%s)", t.NotJudged)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w, "\nchecks:")
	for _, c := range r.Checks {
		verdict := "ok  "
		if !c.OK {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", verdict, c.Name, c.Detail)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if r.Passed {
		fmt.Fprintln(w, "\nPASS")
	} else {
		fmt.Fprintln(w, "\nFAIL")
	}
}

// quietTarget records a target that only a machine without other work can
// judge: a server's figure against the machine's own HTTP floor. When the
// load average before the run was above the machine's cores, the other work
// took the CPUs from the server and the baseline by turns, and the target is
// reported as not judged rather than as met or missed. A figure that other
// work can only worsen (a latency: either says so) stays met when it is met.
func (r *Report) quietTarget(name, want, got string, met, either bool) {
	r.target(name, want, got, met)
	if r.LoadAvgBefore > float64(r.CPUs) && (either || !met) {
		t := &r.Targets[len(r.Targets)-1]
		t.Met = false
		t.NotJudged = fmt.Sprintf("load average %.2f before the run, above the %d cores: other work had the CPUs", r.LoadAvgBefore, r.CPUs)
	}
}
