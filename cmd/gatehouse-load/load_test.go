package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/forwardauth"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// runTool runs the command and returns its JSON report (nil when it printed
// none), its standard error and its exit status.
func runTool(t *testing.T, args ...string) (*Report, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), append(args, "--json", "--quiet"), &out, &errOut)
	if out.Len() == 0 {
		return nil, errOut.String(), code
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("the report is not JSON: %v\n%s", err, out.String())
	}
	return &rep, errOut.String(), code
}

// testServer starts an in-process server on a SQLite file the tool can open
// too, with the test suite's small hashing parameters, which the tool then uses
// for its members (GATEHOUSE_HASH_*, as for a real server's environment).
func testServer(t *testing.T) (*webtest.Server, []string) {
	return testServerWith(t, webtest.Options{})
}

// testServerWith is testServer with opts (its database is the test's own).
func testServerWith(t *testing.T, opts webtest.Options) (*webtest.Server, []string) {
	t.Setenv("GATEHOUSE_HASH_MEMORY", "256")
	t.Setenv("GATEHOUSE_HASH_TIME", "1")
	db := gatehousetest.SQLiteURL(t)
	opts.DatabaseURL = db
	s := webtest.New(t, opts)
	return s, []string{"--url", s.URL, "--database-url", db, "--members", "4", "--warmup", "100ms"}
}

// checkShape checks what every report must say.
func checkShape(t *testing.T, rep *Report, main string) {
	t.Helper()
	if !rep.Passed {
		t.Errorf("the run failed: %+v", rep.Checks)
	}
	for _, c := range rep.Checks {
		if !c.OK {
			t.Errorf("check %s failed: %s", c.Name, c.Detail)
		}
	}
	op := rep.op(main)
	if op == nil {
		t.Fatalf("no %s in %+v", main, rep.Ops)
	}
	if op.OK == 0 || op.Errors != 0 || op.PerSec <= 0 || op.Requests != op.OK {
		t.Errorf("%s: %+v", main, *op)
	}
	if !(op.P50ms <= op.P95ms && op.P95ms <= op.P99ms && op.P99ms <= op.MaxMs) {
		t.Errorf("%s latencies out of order: %+v", main, *op)
	}
	if rep.DurationS <= 0 || rep.Generator == nil || rep.LoadAvgBefore < 0 {
		t.Errorf("report %+v", rep)
	}
}

// TestScenarios runs the sign-in, session and page scenarios briefly against a
// running server and checks that they report what they did, without errors.
func TestScenarios(t *testing.T) {
	s, base := testServer(t)
	for _, c := range []struct{ scenario, main string }{
		{"signin", "POST /login"},
		{"session", "GET /api/v1/session"},
		{"pages", "GET /login"},
	} {
		t.Run(c.scenario, func(t *testing.T) {
			rep, stderr, code := runTool(t, append(base, "--scenario", c.scenario, "--duration", "700ms", "--concurrency", "2")...)
			if code != 0 || rep == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkShape(t, rep, c.main)
			if rep.Server != nil {
				t.Errorf("a server report without --pid: %+v", rep.Server)
			}
			if c.scenario == "session" {
				b := rep.op(baselineOp)
				if b == nil || b.OK == 0 || b.Errors != 0 {
					t.Errorf("the baseline: %+v", b)
				}
				if len(rep.Targets) < 3 {
					t.Errorf("targets %+v, want the ratio to the baseline and the p99", rep.Targets)
				}
			}
			if c.scenario == "signin" {
				if h := rep.Hash; h == nil || h.LimitPerSec <= 0 || h.Ratio <= 0 || h.HashMs <= 0 {
					t.Errorf("hash report %+v", rep.Hash)
				}
				if len(rep.Targets) == 0 {
					t.Error("no targets reported")
				}
			}
		})
	}
	if n := len(s.Audit(t)); n == 0 {
		t.Error("the sign-ins left no audit events")
	}
}

// TestForwardAuthScenario drives /auth/forward of a server that protects
// the scenario's host and believes the tool as its proxy, then the baseline
// with the same requests; a server without forward-auth makes the scenario
// say what it needs.
func TestForwardAuthScenario(t *testing.T) {
	_, base := testServerWith(t, webtest.Options{ForwardAuth: forwardauth.Config{
		Rules: []forwardauth.Rule{{Host: forwardHost}}, Proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
	}})
	rep, stderr, code := runTool(t, append(base, "--scenario", "forwardauth", "--duration", "700ms", "--concurrency", "2")...)
	if code != 0 || rep == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkShape(t, rep, "GET /auth/forward")
	if b := rep.op(baselineOp); b == nil || b.OK == 0 || b.Errors != 0 {
		t.Errorf("the baseline: %+v", b)
	}
	var named []string
	for _, tg := range rep.Targets {
		named = append(named, tg.Name)
	}
	if len(rep.Targets) != 2 || !strings.HasPrefix(named[0], "forward-auth checks vs a bare net/http server") || named[1] != "forward-auth checks p99 latency" {
		t.Errorf("targets %q, want the ratio to the baseline and the p99", named)
	}

	_, plain := testServer(t)
	_, stderr, code = runTool(t, append(plain, "--scenario", "forwardauth", "--duration", "300ms")...)
	if code != 1 || !strings.Contains(stderr, "GATEHOUSE_FORWARD_AUTH_HOSTS="+forwardHost) {
		t.Errorf("without forward-auth: exit %d, %q", code, stderr)
	}
}

// TestFlood floods a server whose hasher has room for its slots and one
// waiting: the flood is shed with 503 and Retry-After while sessions and pages
// are served, and sign-ins get in afterwards.
func TestFlood(t *testing.T) {
	s, base := testServer(t)
	h, err := secret.NewHasher(secret.HasherConfig{Memory: 256, Time: 1, QueueLength: 1})
	if err != nil {
		t.Fatal(err)
	}
	s.Account.Hasher, s.SignIn.Hasher = h, h
	rep, stderr, code := runTool(t, append(base, "--scenario", "flood", "--flood", "40", "--duration", "1600ms", "--concurrency", "2")...)
	if code != 0 || rep == nil {
		t.Fatalf("exit %d: %s\n%+v", code, stderr, rep)
	}
	if len(rep.Phases) != 3 {
		t.Fatalf("phases %+v", rep.Phases)
	}
	names := map[string]bool{}
	for _, c := range rep.Checks {
		names[c.Name] = c.OK
	}
	for _, want := range []string{"flood shed with 503", "every 503 has Retry-After", "session and pages served throughout", "honest sign-ins get in after the flood"} {
		if ok, found := names[want]; !found || !ok {
			t.Errorf("check %q: found %v, ok %v", want, found, ok)
		}
	}
}

// TestRecoveryScenarios: forgot and reset say plainly that they need the
// recovery flow when the server has none; when it has one, forgot runs.
func TestRecoveryScenarios(t *testing.T) {
	s, base := testServer(t)
	resp, err := http.Get(s.URL + "/forgot-password")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		for _, sc := range []string{"forgot", "reset"} {
			_, stderr, code := runTool(t, append(base, "--scenario", sc, "--duration", "300ms")...)
			if code != 1 || !strings.Contains(stderr, "scenario needs /forgot-password") {
				t.Errorf("%s without the recovery flow: exit %d, %q", sc, code, stderr)
			}
		}
		return
	}
	rep, stderr, code := runTool(t, append(base, "--scenario", "forgot", "--duration", "700ms", "--concurrency", "2")...)
	if code != 0 || rep == nil {
		t.Fatalf("forgot: exit %d: %s", code, stderr)
	}
	checkShape(t, rep, "POST /forgot-password")
}

// TestSoak runs the soak briefly the way CI does, with a server of its own:
// built, started as a child process, stopped, and its database checked.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a server")
	}
	rep, stderr, code := runTool(t, "--scenario", "soak", "--duration", "2s", "--warmup", "500ms", "--members", "4",
		"--server-env", "GATEHOUSE_HASH_MEMORY=1024", "--server-env", "GATEHOUSE_HASH_TIME=1")
	if code != 0 || rep == nil {
		t.Fatalf("exit %d: %s\n%+v", code, stderr, rep)
	}
	checkShape(t, rep, "GET /api/v1/session")
	if rep.Server == nil || rep.Server.PeakRSSMiB <= 0 || rep.Server.ExitOK == nil || !*rep.Server.ExitOK {
		t.Errorf("server report %+v", rep.Server)
	}
	names := map[string]bool{}
	for _, c := range rep.Checks {
		names[c.Name] = true
	}
	for _, want := range []string{"no 5xx", "no memory growth", "no goroutine growth", "every queued email delivered", "database integrity", "server stopped cleanly"} {
		if !names[want] {
			t.Errorf("no check %q", want)
		}
	}
}

// TestSearchScenario seeds a few hundred members in bulk into a running
// server's database, searches and lists them through the admin page and the
// API, and times the store's orders and counts: every answer is the one its
// query must give (someone for a name, nobody for a miss).
func TestSearchScenario(t *testing.T) {
	s, base := testServer(t)
	rep, stderr, code := runTool(t, append(base, "--scenario", "search", "--members", "300", "--duration", "700ms", "--concurrency", "2")...)
	if code != 0 || rep == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	checkShape(t, rep, "search")
	for _, name := range []string{"filtered list", "search, admin page", "search, API", "filtered list, admin page", "filtered list, API"} {
		if op := rep.op(name); op == nil || op.OK == 0 || op.Errors != 0 {
			t.Errorf("%s: %+v", name, op)
		}
	}
	if rep.Seed == nil || rep.Seed.Members != 300 || rep.Seed.PerSec <= 0 {
		t.Errorf("seed report %+v", rep.Seed)
	}
	if n, err := s.Store.CountMembers(context.Background(), "default", "", ""); err != nil || n != 301 {
		t.Errorf("the organization has %d members (%v), want the 300 seeded and the administrator", n, err)
	}
	if len(rep.Targets) != 2 {
		t.Errorf("targets %+v", rep.Targets)
	}
	timed := map[string]StoreTiming{}
	for _, st := range rep.StoreTimings {
		timed[st.Name] = st
		if st.Error != "" || st.Runs == 0 {
			t.Errorf("store timing %+v", st)
		}
	}
	if c, ok := timed["count all"]; !ok || c.Rows != 301 {
		t.Errorf("count all: %+v", c)
	}
	for _, name := range []string{"sort last_signin descending", "sort role, 20th page", "count search \"zq\", up to 10,000"} {
		if _, ok := timed[name]; !ok {
			t.Errorf("no store timing %q in %+v", name, rep.StoreTimings)
		}
	}
}

// TestGrowthScenario seeds members and audit events in bulk and times each
// request of the growth scenario, the audit page's filtered pages included,
// over that log.
func TestGrowthScenario(t *testing.T) {
	s, base := testServer(t)
	rep, stderr, code := runTool(t, append(base, "--scenario", "growth", "--members", "200", "--audit-events", "3000")...)
	if code != 0 || rep == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !rep.Passed {
		t.Errorf("the run failed: %+v", rep.Checks)
	}
	for _, name := range []string{"sign-in", "session check", "member search", "member page", "audit page", "audit page, by type", "audit page, by member", "audit page, one day"} {
		if op := rep.op(name); op == nil || op.OK == 0 || op.Errors != 0 {
			t.Errorf("%s: %+v", name, op)
		}
	}
	if sd := rep.Seed; sd == nil || sd.Members != 200 || sd.AuditEvents != 3000 || sd.AuditPerSec <= 0 {
		t.Errorf("seed report %+v", rep.Seed)
	}
	// The seeded events read back as the log's, a twentieth of them member updates.
	if n := len(s.Audit(t, gatehouse.EventMemberUpdated)); n != 3000/20 {
		t.Errorf("%d member.updated events in the log, want %d", n, 3000/20)
	}
}
