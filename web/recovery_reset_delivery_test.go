package web_test

import (
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// waitMessage polls the outbox until the message of kind satisfies ok, for up to
// 20 seconds of real time (the worker runs in the background).
func waitMessage(t *testing.T, s *webtest.Server, kind string, ok func(*gatehouse.Message) bool) *gatehouse.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, m := range queued(t, s, kind) {
			if ok(m) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s message reached the expected state: %+v", kind, queued(t, s, kind))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestQueuedResetSurvivesRestart queues a reset email on a server without a
// worker, stops it, and starts another server on the same database: the new
// server's worker delivers the message, and its link works there.
func TestQueuedResetSurvivesRestart(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			first := webtest.New(t, webtest.Options{DatabaseURL: db.URL, NoWorker: true})
			first.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
			if r := first.Browser(t).RequestReset("jdoe", nil); r.Status != http.StatusSeeOther {
				t.Fatalf("request: %d", r.Status)
			}
			if m := queued(t, first, gatehouse.KindReset); len(m) != 1 || m[0].Status != gatehouse.MessageQueued {
				t.Fatalf("outbox before the restart: %+v", m)
			}
			first.HTTP.Close()

			second := webtest.New(t, webtest.Options{DatabaseURL: db.URL})
			got := second.SMTP.WaitFor(t, 1, 20*time.Second)
			if len(got) != 1 || got[0].To[0] != "jane@example.com" {
				t.Fatalf("delivered: %+v", got)
			}
			if len(first.SMTP.Messages()) != 0 {
				t.Error("the stopped server sent mail")
			}
			b := second.Browser(t)
			link := second.URL + "/reset-password?token=" + tokenOf(t, gatehousetest.LinkIn(got[0]))
			if r := submitReset(b, link, newPasswordForm(newPassword)); r.Status != http.StatusSeeOther {
				t.Fatalf("reset on the second server: %d", r.Status)
			}
			b.SignIn("jdoe", newPassword, "/account")
		})
	}
}

// TestResetMailWhileMailServerDown queues a reset email while the mail server
// is down: the worker records the failed attempt and retries with backoff, and
// delivers once the server is back.
func TestResetMailWhileMailServerDown(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		s.SMTP.Stop()
		if r := s.Browser(t).RequestReset("jdoe", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("request: %d", r.Status)
		}
		m := waitMessage(t, s, gatehouse.KindReset, func(m *gatehouse.Message) bool { return m.Attempts >= 1 && m.LastError != "" })
		if m.Status != gatehouse.MessageQueued || !m.NextAttemptAt.After(s.Clock.Now()) {
			t.Errorf("after a failed attempt: status %s, next attempt %v (now %v)", m.Status, m.NextAttemptAt, s.Clock.Now())
		}
		s.SMTP.Start()
		s.Clock.Advance(10 * time.Minute) // past the backoff
		s.Worker.Kick()
		got := s.SMTP.WaitFor(t, 1, 20*time.Second)
		if len(got) != 1 || gatehousetest.LinkIn(got[0]) == "" {
			t.Fatalf("delivered: %+v", got)
		}
		sent := waitMessage(t, s, gatehouse.KindReset, func(m *gatehouse.Message) bool { return m.Status == gatehouse.MessageSent })
		if sent.Attempts < 2 || sent.Text != "" {
			t.Errorf("sent message: %d attempts, body kept: %v", sent.Attempts, sent.Text != "")
		}
	})
}

// TestTwoServersSendEachResetOnce runs two servers, each with its own worker and
// mail server, on one database, and asks for many resets through both: every
// email goes out exactly once.
func TestTwoServersSendEachResetOnce(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			a := webtest.New(t, webtest.Options{DatabaseURL: db.URL})
			b := webtest.New(t, webtest.Options{DatabaseURL: db.URL})
			const n = 12
			for i := range n {
				a.AddMember(t, fmt.Sprintf("member%02d", i), fmt.Sprintf("member%02d@example.com", i), goodPassword, gatehouse.RoleMember)
			}
			for i := range n {
				srv := a
				if i%2 == 1 {
					srv = b
				}
				if r := srv.Browser(t).RequestReset(fmt.Sprintf("member%02d", i), nil); r.Status != http.StatusSeeOther {
					t.Fatalf("request %d: %d", i, r.Status)
				}
			}
			deadline := time.Now().Add(30 * time.Second)
			for len(a.SMTP.Messages())+len(b.SMTP.Messages()) < n && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			waitMessage(t, a, gatehouse.KindReset, func(*gatehouse.Message) bool {
				for _, m := range queued(t, a, gatehouse.KindReset) {
					if m.Status != gatehouse.MessageSent {
						return false
					}
				}
				return true
			})
			var to []string
			for _, m := range append(a.SMTP.Messages(), b.SMTP.Messages()...) {
				to = append(to, m.To...)
			}
			sort.Strings(to)
			if len(to) != n {
				t.Fatalf("%d emails delivered for %d requests: %v", len(to), n, to)
			}
			for i := 1; i < len(to); i++ {
				if to[i] == to[i-1] {
					t.Errorf("%s got two emails", to[i])
				}
			}
			t.Logf("server a sent %d, server b sent %d", len(a.SMTP.Messages()), len(b.SMTP.Messages()))
		})
	}
}
