// Command gatehouse-load drives a Gatehouse server with named scenarios and
// reports throughput, latency, errors and the server's memory, as text or JSON.
//
//	go run ./cmd/gatehouse-load --scenario signin --concurrency 32 --duration 20s
//
// By default it builds `gatehouse`, starts it as a child process on a fresh
// SQLite database in a temporary directory (or a fresh PostgreSQL schema with
// --database-url), creates the members it needs, runs the scenario and stops
// the server. With --url it drives a server that is already running instead.
// docs/performance.md describes every scenario, flag and figure.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	if body, ok := os.LookupEnv(baselineEnv); ok {
		os.Exit(serveBaseline(body, os.Getenv(baselineCookieEnv), os.Getenv(baselineHeadersEnv)))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// scenarios lists what --scenario accepts, with a line of help each.
var scenarios = []struct{ name, help string }{
	{"signin", "password sign-in through the real form (the page once per client for its CSRF token, then POSTs); a new session each time"},
	{"session", "GET /api/v1/session with a valid session cookie, then a bare net/http server with the same answer"},
	{"forwardauth", "GET /auth/forward as Traefik asks it, with a valid session cookie, then a bare net/http server with the same answer"},
	{"pages", "GET /login, the sign-in page"},
	{"forgot", "POST /forgot-password (CAPTCHA off) for members and unknown addresses"},
	{"reset", "complete reset links: forgot-password, read the link from the mail file, set a new password"},
	{"flood", "--flood sign-ins at once against session and page requests: shedding, memory, starvation"},
	{"search", "admin member search and filtered lists, through the admin page and the API, over --members members seeded in bulk; then the sort orders and counts through the store"},
	{"growth", "seeds --members members as search does (and --audit-events events in bulk), then times, one request at a time, a sign-in, the session check, a member search, a member's page and the audit page, first and filtered: how cost grows with size"},
	{"mail", "a bulk activation of --members members through the API, then --mail-messages messages queued at once, into an SMTP sink of the tool's own; --replicas servers share the queue"},
	{"soak", "every available scenario at once for --duration, then checks: no 5xx, no goroutine or memory growth, all mail delivered, database intact"},
}

// options are the command's flags.
type options struct {
	scenario    string
	duration    time.Duration
	concurrency int
	members     int
	url         string
	pid         int
	databaseURL string
	mailDir     string
	serverBin   string
	serverEnv   multiFlag
	pprofListen string
	keep        bool
	seeded      bool
	noStore     bool
	auditEvents int
	jsonOut     bool
	flood       int
	floodPause  time.Duration
	cores       int
	timeout     time.Duration
	warmup      time.Duration
	// Soak bounds.
	maxGoroutineGrowth int
	maxRSSGrowthMiB    int
	drainTimeout       time.Duration
	quiet              bool
	cpuProfile         string
	signinPage         bool
	replicas           int
	mailMessages       int
	// baselineAll: the baseline writes every header of the real answer,
	// not only those the check names.
	baselineAll bool
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("gatehouse-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scenario, "scenario", "signin", "what to run: "+scenarioNames())
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to drive the scenario (the flood's three phases and the soak included)")
	fs.IntVar(&o.concurrency, "concurrency", 0, "clients sending at once (default: 32 for signin, 16 for session and pages, 32 for forgot, 4 for reset, 8 for flood victims, 12 for soak)")
	fs.IntVar(&o.members, "members", 64, "members to create for the sign-in, session and forgot scenarios (reset creates its own); search: members to seed, e.g. 1000000")
	fs.StringVar(&o.url, "url", "", "drive this running server instead of starting one (members are then created through --database-url)")
	fs.IntVar(&o.pid, "pid", 0, "with --url: the server's process id, to report its memory and CPU")
	fs.StringVar(&o.databaseURL, "database-url", "", "own server: postgres://... to run on a fresh schema of this database instead of SQLite; with --url: the database the server uses")
	fs.StringVar(&o.mailDir, "mail-dir", "", "with --url: the directory of the server's file mail transport (reset and soak read it)")
	fs.StringVar(&o.serverBin, "server-bin", "", "gatehouse binary to start (default: build ./cmd/gatehouse)")
	fs.Var(&o.serverEnv, "server-env", "NAME=VALUE added to the started server's environment (repeatable), e.g. GATEHOUSE_HASH_MEMORY_BUDGET=128")
	fs.StringVar(&o.pprofListen, "pprof", "", "host:port on which the started server serves pprof (GATEHOUSE_PPROF_LISTEN)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temporary directory (database, mail, server log) and print its path")
	fs.BoolVar(&o.seeded, "seeded", false, "search on PostgreSQL: --database-url names a schema (its search_path) that a run with --keep seeded; search its members again instead of seeding, and keep it")
	fs.BoolVar(&o.noStore, "no-store-timings", false, "search: skip the sort orders and counts timed through the store after the run (a minute or two at a million members)")
	fs.IntVar(&o.auditEvents, "audit-events", 0, "growth: audit events to seed in bulk into the organization's log (spread over the last 180 days), e.g. 10000000")
	fs.BoolVar(&o.jsonOut, "json", false, "print the report as JSON")
	fs.BoolVar(&o.baselineAll, "baseline-all-headers", false, "session, forwardauth: the baseline writes every header of the real answer (its security headers and X-Request-Id too), not only the content and identity headers")
	fs.BoolVar(&o.signinPage, "signin-page", false, "signin: load the sign-in page before every sign-in, not only once per client")
	fs.IntVar(&o.replicas, "replicas", 1, "mail: servers started on the same database, sharing the queue")
	fs.IntVar(&o.mailMessages, "mail-messages", 3000, "mail: messages queued at once after the bulk activation")
	fs.IntVar(&o.flood, "flood", 500, "flood: sign-in clients sending at once")
	fs.DurationVar(&o.floodPause, "flood-pause", 0, "flood: how long a flooding client waits after a 503 before its next request (0: none, the worst case)")
	fs.IntVar(&o.cores, "cores", 0, "CPU cores the server may use, for the hash-bound limit (default: this machine's)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-request timeout")
	fs.DurationVar(&o.warmup, "warmup", 0, "run the scenario this long before measuring (default: 10% of --duration, at most 3s; soak: 20%)")
	fs.IntVar(&o.maxGoroutineGrowth, "max-goroutine-growth", 20, "soak: goroutines the server may have more at the end than before the load")
	fs.IntVar(&o.maxRSSGrowthMiB, "max-rss-growth", 64, "soak: MiB by which the server's resident memory may grow from the first half of the run to the last quarter")
	fs.DurationVar(&o.drainTimeout, "drain-timeout", 30*time.Second, "soak: how long to wait after the load for the mail queue to empty")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress messages on standard error")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the generator's own CPU profile to this file (to keep the generator cheap)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.scenario == "mail" && !flagSet(fs, "members") {
		o.members = 500
	}
	known := false
	for _, s := range scenarios {
		known = known || s.name == o.scenario
	}
	if !known {
		return nil, fmt.Errorf("--scenario must be one of %s", scenarioNames())
	}
	if o.concurrency == 0 {
		o.concurrency = map[string]int{"signin": 32, "session": 16, "forwardauth": 16, "pages": 16, "forgot": 32, "reset": 4, "flood": 8, "soak": 12, "search": 2, "mail": 1, "growth": 1}[o.scenario]
	}
	switch {
	case o.duration <= 0:
		return nil, errors.New("--duration must be positive")
	case o.concurrency < 1:
		return nil, errors.New("--concurrency must be at least 1")
	case o.members < 1:
		return nil, errors.New("--members must be at least 1")
	case o.replicas < 1 || o.replicas > 1 && o.scenario != "mail":
		return nil, errors.New("--replicas is at least 1, and more only for the mail scenario")
	case o.scenario == "mail" && o.url != "":
		return nil, errors.New("the mail scenario starts its own servers, with its own SMTP sink: no --url")
	case o.auditEvents < 0 || o.auditEvents > 0 && o.scenario != "growth":
		return nil, errors.New("--audit-events is for the growth scenario, and not negative")
	case o.flood < 1:
		return nil, errors.New("--flood must be at least 1")
	case o.seeded && (o.scenario != "search" || !strings.Contains(o.databaseURL, "search_path=")):
		return nil, errors.New("--seeded is for the search scenario, with a --database-url whose search_path names a schema a run with --keep seeded")
	case o.baselineAll && o.scenario != "session" && o.scenario != "forwardauth":
		return nil, errors.New("--baseline-all-headers is for the session and forwardauth scenarios, which measure a baseline")
	case o.pid != 0 && o.url == "":
		return nil, errors.New("--pid goes with --url")
	case o.mailDir != "" && o.url == "":
		return nil, errors.New("--mail-dir goes with --url (a started server's mail directory is known)")
	}
	if o.warmup == 0 {
		o.warmup = min(o.duration/10, 3*time.Second)
		if o.scenario == "soak" {
			o.warmup = o.duration / 5
		}
	}
	for _, kv := range o.serverEnv {
		if !strings.Contains(kv, "=") {
			return nil, fmt.Errorf("--server-env %q: write NAME=VALUE", kv)
		}
	}
	return o, nil
}

func scenarioNames() string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}

// run executes the command and returns its exit status: 0 when every check
// passed, 1 when a check failed or the scenario could not run, 2 for bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "gatehouse-load:", err)
		}
		return 2
	}
	progress := func(format string, a ...any) {
		if !o.quiet {
			fmt.Fprintf(stderr, "gatehouse-load: "+format+"\n", a...)
		}
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "gatehouse-load:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "gatehouse-load:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := execute(ctx, o, progress)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse-load:", err)
		return 1
	}
	if o.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		rep.writeText(stdout)
	}
	if !rep.Passed {
		return 1
	}
	return 0
}

// flagSet reports whether the flag name was given.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
