package main

import (
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// TestReplicaGracefulShutdown sends SIGTERM to replicas in the middle of their
// work: a request waiting for the database is answered before the process
// exits, and a message being sent is delivered and recorded, once.
func TestReplicaGracefulShutdown(t *testing.T) {
	t.Parallel()
	c := newCluster(t, nil)
	proxy, viaProxy := gatehousetest.NewPostgresProxy(t, c.env["GATEHOUSE_DATABASE_URL"])

	t.Run("a request in flight is answered", func(t *testing.T) {
		env := maps.Clone(c.env)
		env["GATEHOUSE_DATABASE_URL"] = viaProxy
		a := gatehousetest.StartReplica(t, "A", env)
		c.addMember(t, "hana", testPassword)
		member := newVisitor(t, "192.0.2.60")
		member.mustSignIn(a, a, "hana", testPassword)

		// With the database stalled, the sender's next look at the queue
		// waits; once it does, a request that reaches the database waits too.
		proxy.Stall()
		if !eventually(10*time.Second, func() bool { return proxy.Held() >= 1 }) {
			t.Fatal("the replica's sender never reached the database")
		}
		base := proxy.Held()
		type result struct {
			status int
			body   string
			err    error
		}
		done := make(chan result, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodGet, a.URL+"/api/v1/session", nil)
			req.Header.Set("Cookie", "gatehouse_session="+member.cookies["gatehouse_session"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- result{err: err}
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			done <- result{status: resp.StatusCode, body: string(b)}
		}()
		if !eventually(10*time.Second, func() bool { return proxy.Held() > base }) {
			t.Fatal("the request never reached the database")
		}
		a.Terminate()
		shuttingDown(t, a)
		proxy.Restore()
		if got := <-done; got.err != nil || got.status != http.StatusOK || !strings.Contains(got.body, `"hana"`) {
			t.Errorf("the request in flight at SIGTERM: %d %v\n%s\nwant it answered", got.status, got.err, got.body)
		}
		if err := a.Wait(60 * time.Second); err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0", err)
		}
	})

	t.Run("a message being sent is delivered once", func(t *testing.T) {
		b := c.start(t, "B")
		c.smtp.Hold()
		c.enqueue(t, "shutdown", 1)
		c.smtp.WaitHeld(t, 1, 30*time.Second)
		b.Terminate()
		shuttingDown(t, b)
		// The send goes on after SIGTERM, and its outcome is recorded.
		c.smtp.Release()
		if err := b.Wait(60 * time.Second); err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0", err)
		}
		if n := c.count(t, `SELECT COUNT(*) FROM messages WHERE kind = 'shutdown' AND status = 'sent'`); n != 1 {
			t.Errorf("the message being sent at SIGTERM is not recorded as sent")
		}
		got := 0
		for _, m := range c.smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == "shutdown-000@example.com" {
				got++
			}
		}
		if got != 1 {
			t.Errorf("the message being sent at SIGTERM arrived %d times, want once", got)
		}
	})
}

// shuttingDown waits until r has taken SIGTERM in.
func shuttingDown(t *testing.T, r *gatehousetest.Replica) {
	t.Helper()
	if !eventually(10*time.Second, func() bool { return r.LogCount("shutting down: finishing requests in flight") > 0 }) {
		t.Fatalf("replica %s does not say it is shutting down", r.Name)
	}
}
