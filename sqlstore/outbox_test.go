package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

// enqueue adds an email to member due at due.
func enqueue(t *testing.T, s *sqlstore.Store, id, member string, created, due time.Time) *gatehouse.Message {
	t.Helper()
	m := &gatehouse.Message{ID: id, OrgID: gatehouse.DefaultOrgID, MemberID: member, Channel: gatehouse.ChannelEmail,
		Kind: gatehouse.KindReset, To: "alice@example.com", Subject: "Reset", Text: "link " + id, HTML: "<a>" + id + "</a>",
		CreatedAt: created, NextAttemptAt: due}
	if err := s.Enqueue(ctx, m); err != nil {
		t.Fatalf("Enqueue(%s): %v", id, err)
	}
	m.Status = gatehouse.MessageQueued
	return m
}

func messageIDs(ms []*gatehouse.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestClaimMessages(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m1 := enqueue(t, s, "m1", "u1", t0, t0)
		enqueue(t, s, "m2", "u1", t0, t0.Add(time.Second))
		enqueue(t, s, "m3", "", t0, t0.Add(2*time.Second))
		enqueue(t, s, "later", "", t0, t0.Add(time.Hour))
		lease := time.Minute
		now := t0.Add(5 * time.Second)

		got, err := s.ClaimMessages(ctx, "w1", now, lease, 2)
		if err != nil {
			t.Fatalf("ClaimMessages: %v", err)
		}
		want := *m1
		want.ClaimedBy, want.ClaimedUntil = "w1", now.Add(lease) // a claim is no attempt
		if diff := cmp.Diff([]string{"m1", "m2"}, messageIDs(got)); diff != "" {
			t.Fatalf("first claim, oldest due first (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(&want, got[0]); diff != "" {
			t.Errorf("claimed message (-want +got):\n%s", diff)
		}

		steps := []struct {
			name   string
			worker string
			at     time.Time
			want   []string
		}{
			{"the rest that is due", "w2", now, []string{"m3"}},
			{"nothing while leases run", "w2", now.Add(30 * time.Second), nil},
			{"lease ran out: taken over", "w2", now.Add(lease), []string{"m1", "m2", "m3"}},
			{"not yet due", "w3", now.Add(lease + time.Second), nil},
			{"due later, and the abandoned ones again", "w3", t0.Add(time.Hour), []string{"m1", "m2", "m3", "later"}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				got, err := s.ClaimMessages(ctx, st.worker, st.at, lease, 10)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(st.want, messageIDs(got)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		m, _ := s.Message(ctx, gatehouse.DefaultOrgID, "m1")
		if m.Attempts != 0 || m.LapsedClaims != 2 || m.ClaimedBy != "w3" {
			t.Errorf("after two takeovers m1 has %d attempts and %d lapsed claims, claimed by %q; want 0, 2 and w3",
				m.Attempts, m.LapsedClaims, m.ClaimedBy)
		}
		// A claim given back is neither an attempt nor a lapsed claim, and is
		// due again at once; another worker's claim is not given back.
		if err := s.ReleaseMessages(ctx, "w2", []string{"m1", "later"}); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.Message(ctx, gatehouse.DefaultOrgID, "m1"); m.ClaimedBy != "w3" {
			t.Errorf("w2 gave back w3's claim on m1")
		}
		if err := s.ReleaseMessages(ctx, "w3", []string{"m1", "m2"}); err != nil {
			t.Fatal(err)
		}
		got, err = s.ClaimMessages(ctx, "w4", t0.Add(time.Hour), lease, 10)
		if err != nil || !cmp.Equal(messageIDs(got), []string{"m1", "m2"}) {
			t.Fatalf("claim after giving back m1 and m2 = %v, %v", messageIDs(got), err)
		}
		if got[0].LapsedClaims != 2 || got[1].LapsedClaims != 2 || got[0].Attempts != 0 {
			t.Errorf("given back, then claimed: %d and %d lapsed claims, %d attempts; want 2, 2, 0",
				got[0].LapsedClaims, got[1].LapsedClaims, got[0].Attempts)
		}
	})
}

func TestMarkMessages(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		for _, id := range []string{"sent", "retry", "failed", "stolen", "untried"} {
			enqueue(t, s, id, "u1", t0, t0)
		}
		lease := time.Minute
		if ms, err := s.ClaimMessages(ctx, "w1", t0, lease, 10); err != nil || len(ms) != 5 {
			t.Fatalf("ClaimMessages = %d, %v", len(ms), err)
		}
		tests := []struct {
			name string
			err  error
			want gatehouse.Code
		}{
			{"sent", s.MarkSent(ctx, "sent", "w1", t0.Add(time.Second)), ""},
			{"sent twice", s.MarkSent(ctx, "sent", "w1", t0.Add(time.Second)), gatehouse.NotFound},
			{"retry by another worker", s.MarkRetry(ctx, "retry", "w2", true, "timeout", t0, t0.Add(time.Hour)), gatehouse.NotFound},
			{"retry", s.MarkRetry(ctx, "retry", "w1", true, "timeout", t0.Add(3*time.Second), t0.Add(time.Hour)), ""},
			{"failed", s.MarkFailed(ctx, "failed", "w1", true, "550 no such user", t0.Add(2*time.Second)), ""},
			{"failed after failed", s.MarkFailed(ctx, "failed", "w1", true, "again", t0), gatehouse.NotFound},
			{"untried", s.MarkRetry(ctx, "untried", "w1", false, "no sender address", t0.Add(4*time.Second), t0.Add(time.Hour)), ""},
			{"unknown", s.MarkSent(ctx, "nope", "w1", t0), gatehouse.NotFound},
			{"empty worker", s.MarkSent(ctx, "retry", "", t0), gatehouse.NotFound},
			{"claim without a worker", err2(s.ClaimMessages(ctx, "", t0, lease, 1)), gatehouse.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { wantCode(t, tt.name, tt.err, tt.want) })
		}

		get := func(id string) *gatehouse.Message {
			m, err := s.Message(ctx, gatehouse.DefaultOrgID, id)
			if err != nil {
				t.Fatalf("Message(%s): %v", id, err)
			}
			return m
		}
		type state struct {
			Status                         gatehouse.MessageStatus
			Text, HTML, Err, Claim         string
			Sent, Next, ClaimedTill, Tried time.Time
			Attempts                       int
		}
		view := func(m *gatehouse.Message) state {
			return state{m.Status, m.Text, m.HTML, m.LastError, m.ClaimedBy, m.SentAt, m.NextAttemptAt, m.ClaimedUntil, m.LastAttemptAt, m.Attempts}
		}
		for _, c := range []struct {
			id   string
			want state
		}{
			{"sent", state{Status: gatehouse.MessageSent, Sent: t0.Add(time.Second), Next: t0, Tried: t0.Add(time.Second), Attempts: 1}},
			{"retry", state{Status: gatehouse.MessageQueued, Text: "link retry", HTML: "<a>retry</a>", Err: "timeout", Next: t0.Add(time.Hour),
				Tried: t0.Add(3 * time.Second), Attempts: 1}},
			{"failed", state{Status: gatehouse.MessageFailed, Err: "550 no such user", Next: t0, Tried: t0.Add(2 * time.Second), Attempts: 1}},
			// The worker could not try: no attempt is counted, and none is dated.
			{"untried", state{Status: gatehouse.MessageQueued, Text: "link untried", HTML: "<a>untried</a>", Err: "no sender address",
				Next: t0.Add(time.Hour)}},
		} {
			if diff := cmp.Diff(c.want, view(get(c.id))); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.id, diff)
			}
		}

		// A worker whose lease ran out and whose message was taken over cannot report on it.
		if ms, err := s.ClaimMessages(ctx, "w2", t0.Add(lease), lease, 10); err != nil || len(ms) != 1 || ms[0].ID != "stolen" {
			t.Fatalf("takeover claim = %v, %v", messageIDs(ms), err)
		}
		wantCode(t, "old worker reports", s.MarkSent(ctx, "stolen", "w1", t0.Add(lease)), gatehouse.NotFound)
		wantCode(t, "new worker reports", s.MarkSent(ctx, "stolen", "w2", t0.Add(lease)), "")
		wantCode(t, "Message in another org", err2(s.Message(ctx, "other", "sent")), gatehouse.NotFound)
	})
}

func TestListMessages(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		for i := range 7 {
			member := "u1"
			if i%2 == 1 {
				member = "u2"
			}
			enqueue(t, s, fmt.Sprintf("m%d", i), member, t0.Add(time.Duration(i/2)*time.Minute), t0)
		}
		sms := &gatehouse.Message{ID: "sms", OrgID: gatehouse.DefaultOrgID, Channel: gatehouse.ChannelSMS, To: "+447700900123",
			Text: "code 123456", CreatedAt: t0.Add(time.Hour)}
		if err := s.Enqueue(ctx, sms); err != nil {
			t.Fatal(err)
		}
		if ms, _ := s.ClaimMessages(ctx, "w", t0.Add(time.Hour), time.Minute, 1); len(ms) == 1 {
			if err := s.MarkSent(ctx, ms[0].ID, "w", t0); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name string
			f    gatehouse.MessageFilter
			want []string
		}{
			{"all newest first", gatehouse.MessageFilter{}, []string{"sms", "m6", "m5", "m4", "m3", "m2", "m1", "m0"}},
			{"member", gatehouse.MessageFilter{MemberID: "u2"}, []string{"m5", "m3", "m1"}},
			{"channel", gatehouse.MessageFilter{Channel: gatehouse.ChannelSMS}, []string{"sms"}},
			{"status", gatehouse.MessageFilter{Status: gatehouse.MessageSent}, []string{"m0"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ms, _, err := s.Messages(ctx, gatehouse.DefaultOrgID, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, messageIDs(ms)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				for _, m := range ms {
					if m.Text != "" || m.HTML != "" {
						t.Errorf("listed message %s has bodies", m.ID)
					}
				}
			})
		}
		var got []string
		f := gatehouse.MessageFilter{Limit: 3}
		for pages := 0; ; pages++ {
			ms, next, err := s.Messages(ctx, gatehouse.DefaultOrgID, f)
			if err != nil || pages > 5 {
				t.Fatalf("page %d: %v", pages, err)
			}
			got = append(got, messageIDs(ms)...)
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if diff := cmp.Diff([]string{"sms", "m6", "m5", "m4", "m3", "m2", "m1", "m0"}, got); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
		if m, err := s.Message(ctx, gatehouse.DefaultOrgID, "sms"); err != nil || m.Text != "code 123456" || m.Status != gatehouse.MessageQueued {
			t.Errorf("Message(sms) = %+v, %v; want queued with its body", m, err)
		}
	})
}

// TestConcurrentClaimers runs two workers on two separate Stores (two pools, as
// two replicas would have) and checks that no message is delivered twice.
func TestConcurrentClaimers(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			a, b := gatehousetest.NewStore(t, u.URL), gatehousetest.NewStore(t, u.URL)
			const total = 300
			err := a.Tx(ctx, func(tx *sqlstore.Store) error {
				for i := range total {
					m := &gatehouse.Message{ID: fmt.Sprintf("m%03d", i), OrgID: gatehouse.DefaultOrgID, Channel: gatehouse.ChannelEmail,
						To: "x@example.com", CreatedAt: t0, NextAttemptAt: t0.Add(time.Duration(i%7) * time.Millisecond)}
					if err := tx.Enqueue(ctx, m); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			seen := map[string]string{}
			var wg sync.WaitGroup
			for w, s := range map[string]*sqlstore.Store{"a1": a, "a2": a, "b1": b, "b2": b} {
				wg.Go(func() {
					for {
						ms, err := s.ClaimMessages(ctx, w, t0.Add(time.Second), time.Hour, 7)
						if err != nil {
							t.Errorf("%s: ClaimMessages: %v", w, err)
							return
						}
						if len(ms) == 0 {
							return
						}
						for _, m := range ms {
							mu.Lock()
							if prev, ok := seen[m.ID]; ok {
								t.Errorf("%s claimed %s, already claimed by %s", w, m.ID, prev)
							}
							seen[m.ID] = w
							mu.Unlock()
							if err := s.MarkSent(ctx, m.ID, w, t0.Add(time.Second)); err != nil {
								t.Errorf("%s: MarkSent(%s): %v", w, m.ID, err)
							}
						}
					}
				})
			}
			wg.Wait()
			if len(seen) != total {
				t.Errorf("%d messages claimed, want %d", len(seen), total)
			}
		})
	}
}

// TestEnqueueKeepsTheSender: an email is stored with its sender; one queued
// without gets the organization's (address, then name or organization name),
// and SetQueuedSender gives a new one to the emails still queued only.
func TestEnqueueKeepsTheSender(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		now := time.Now()
		if err := s.SetSettings(ctx, gatehouse.DefaultOrgID, map[string]string{"mail_from_address": "desk@example.org", "organization_name": "Example"}, now); err != nil {
			t.Fatal(err)
		}
		given := &gatehouse.Message{ID: "given", OrgID: gatehouse.DefaultOrgID, Channel: gatehouse.ChannelEmail, Kind: gatehouse.KindReset,
			To: "a@example.com", From: "other@example.org", FromName: "Other", CreatedAt: now}
		filled := &gatehouse.Message{ID: "filled", OrgID: gatehouse.DefaultOrgID, Channel: gatehouse.ChannelEmail, Kind: gatehouse.KindReset,
			To: "b@example.com", CreatedAt: now}
		text := &gatehouse.Message{ID: "text", OrgID: gatehouse.DefaultOrgID, Channel: gatehouse.ChannelSMS, Kind: gatehouse.KindSMSCode,
			To: "+447700900123", Text: "123456", CreatedAt: now}
		for _, m := range []*gatehouse.Message{given, filled, text} {
			if err := s.Enqueue(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		want := map[string][2]string{"given": {"other@example.org", "Other"}, "filled": {"desk@example.org", "Example"}, "text": {"", ""}}
		check := func(when string) {
			t.Helper()
			for id, w := range want {
				got, err := s.Message(ctx, gatehouse.DefaultOrgID, id)
				if err != nil || got.From != w[0] || got.FromName != w[1] {
					t.Errorf("%s: %s from %q <%s> (%v), want %q <%s>", when, id, got.FromName, got.From, err, w[1], w[0])
				}
			}
		}
		check("queued")
		if err := s.MarkSent(ctx, "given", "", now); err == nil {
			t.Log("marked sent without a claim") // MarkSent needs the claim; leave given queued
		}
		n, err := s.SetQueuedSender(ctx, gatehouse.DefaultOrgID, "new@example.org", "New")
		if err != nil || n != 2 {
			t.Fatalf("SetQueuedSender = %d, %v; want the 2 queued emails", n, err)
		}
		want["given"], want["filled"] = [2]string{"new@example.org", "New"}, [2]string{"new@example.org", "New"}
		check("after SetQueuedSender")
		if n, err := s.SetQueuedSender(ctx, "no-such-org", "x@example.org", "X"); err != nil || n != 0 {
			t.Errorf("SetQueuedSender of another organization = %d, %v", n, err)
		}
	})
}
