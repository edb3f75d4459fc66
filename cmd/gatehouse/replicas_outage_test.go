package main

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/redisstore"
)

// TestReplicaDatabaseOutage cuts a replica off its database (through a proxy,
// so the machine's PostgreSQL keeps serving everyone else) and restores it:
// meanwhile /readyz fails and requests get 503 with Retry-After, never a 500;
// afterwards the replica serves again by itself, without a restart.
func TestReplicaDatabaseOutage(t *testing.T) {
	t.Parallel()
	c := newCluster(t, nil)
	proxy, viaProxy := gatehousetest.NewPostgresProxy(t, c.env["GATEHOUSE_DATABASE_URL"])
	env := maps.Clone(c.env)
	env["GATEHOUSE_DATABASE_URL"] = viaProxy
	a := gatehousetest.StartReplica(t, "A", env)
	c.addMember(t, "dora", testPassword)
	member := newVisitor(t, "192.0.2.40")
	member.mustSignIn(a, a, "dora", testPassword)
	latecomer := newVisitor(t, "192.0.2.41")
	if got := latecomer.get(a, "/login"); got.status != http.StatusOK {
		t.Fatalf("GET /login: %d", got.status)
	}
	sessions := func() int {
		return c.count(t, `SELECT COUNT(*) FROM sessions s JOIN members m ON m.id = s.member_id WHERE m.username = 'dora'`)
	}

	proxy.Cut()
	readyz := func() int { return member.get(a, "/readyz").status }
	if !eventually(10*time.Second, func() bool { return readyz() == http.StatusServiceUnavailable }) {
		t.Fatalf("/readyz still answers %d with the database cut off", readyz())
	}
	unavailable := func(what string, got *answer) {
		t.Helper()
		if got.status != http.StatusServiceUnavailable {
			t.Errorf("%s during the outage: %d, want 503\n%s", what, got.status, got.body)
		}
		if got.header.Get("Retry-After") == "" {
			t.Errorf("%s during the outage: no Retry-After", what)
		}
		for _, leak := range []string{"goroutine ", ".go:", "panic", "dial tcp", "pgconn", "connection refused"} {
			if strings.Contains(got.body, leak) {
				t.Errorf("%s during the outage shows %q:\n%s", what, leak, got.body)
			}
		}
	}
	unavailable("GET /login", member.get(a, "/login"))
	unavailable("GET /account", member.get(a, "/account"))
	api := member.get(a, "/api/v1/session")
	unavailable("the session API", api)
	if ct := api.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("the session API during the outage: Content-Type %q, want problem details", ct)
	}
	unavailable("a sign-in", latecomer.post(a, "/login", url.Values{"identifier": {"dora"}, "password": {testPassword}}))
	if got := member.get(a, "/healthz"); got.status != http.StatusOK {
		t.Errorf("/healthz during the outage: %d, want 200 (the process is alive; restarting it would not help)", got.status)
	}

	proxy.Restore()
	if !eventually(15*time.Second, func() bool { return readyz() == http.StatusOK }) {
		t.Fatalf("/readyz answers %d after the database came back, want 200 without a restart", readyz())
	}
	if who, st := member.whoami(a); who != "dora" {
		t.Errorf("the session begun before the outage: %d %q, want it still valid", st, who)
	}
	// Nothing of the refused sign-in was written: one session, the first one.
	if n := sessions(); n != 1 {
		t.Errorf("%d sessions for dora, want 1", n)
	}
	latecomer.mustSignIn(a, a, "dora", testPassword)
	for _, e := range a.Logs() {
		if msg, _ := e["msg"].(string); strings.Contains(msg, "panic") {
			t.Errorf("the replica panicked: %v", e)
		}
	}
}

// TestReplicaDatabaseStalled loses every packet between a replica and its
// database instead of refusing connections: requests must still end with 503
// (after the request timeout) rather than wait for the operating system to give
// the connections up, and the replica heals by itself.
func TestReplicaDatabaseStalled(t *testing.T) {
	t.Parallel()
	c := newCluster(t, nil)
	proxy, viaProxy := gatehousetest.NewPostgresProxy(t, c.env["GATEHOUSE_DATABASE_URL"])
	env := maps.Clone(c.env)
	env["GATEHOUSE_DATABASE_URL"] = viaProxy
	env["GATEHOUSE_REQUEST_TIMEOUT"] = "2s"
	a := gatehousetest.StartReplica(t, "A", env)
	c.addMember(t, "gina", testPassword)
	member := newVisitor(t, "192.0.2.50")
	member.mustSignIn(a, a, "gina", testPassword)

	proxy.Stall()
	if got := member.get(a, "/readyz"); got.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database stalled: %d, want 503", got.status)
	}
	for _, path := range []string{"/api/v1/session", "/login"} {
		start := time.Now()
		got := member.get(a, path)
		if got.status != http.StatusServiceUnavailable || got.header.Get("Retry-After") == "" {
			t.Errorf("GET %s with the database stalled: %d (Retry-After %q), want 503 with Retry-After\n%s",
				path, got.status, got.header.Get("Retry-After"), got.body)
		}
		t.Logf("GET %s answered %d after %v", path, got.status, time.Since(start).Round(time.Millisecond))
	}

	proxy.Restore()
	if !eventually(15*time.Second, func() bool { return member.get(a, "/readyz").status == http.StatusOK }) {
		t.Fatal("/readyz does not recover after the stall")
	}
	if who, st := member.whoami(a); who != "gina" {
		t.Errorf("the session after the stall: %d %q", st, who)
	}
}

// eventually polls cond every 50ms until it holds or timeout passes.
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReplicasRedisCounters keeps the throttling counters of two replicas in
// Redis: the failures on A and B must still add up, in Redis and not in the
// database.
func TestReplicasRedisCounters(t *testing.T) {
	t.Parallel()
	redisURL := os.Getenv("GATEHOUSE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("GATEHOUSE_TEST_REDIS_URL is not set")
	}
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	ctx := context.Background()
	prefix := "gatehouse-test:" + gatehouse.NewID(nil) + ":"
	t.Cleanup(func() {
		keys, _ := client.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	})
	c := newCluster(t, map[string]string{"GATEHOUSE_REDIS_URL": redisURL, "GATEHOUSE_REDIS_PREFIX": prefix})
	a, b := c.start(t, "A"), c.start(t, "B")
	counters := redisstore.New(client, prefix)
	inRedis := func(t *testing.T, key string) int {
		t.Helper()
		got, err := counters.Peek(ctx, key, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if n := c.dbCounter(t, key); n != 0 {
			t.Errorf("counter %s is in the database too (%d)", key, n)
		}
		return got.Count
	}
	t.Run("account", func(t *testing.T) { accountThrottle(t, c, a, b, "frank", inRedis) })
	t.Run("address", func(t *testing.T) { addressThrottle(t, c, a, b, "10.4.0.1", inRedis) })
	if n, err := client.Exists(ctx, prefix+"signin:addr:default:10.4.0.1").Result(); err != nil || n != 1 {
		t.Errorf("no key under the configured prefix %q: %d, %v", prefix, n, err)
	}
}
