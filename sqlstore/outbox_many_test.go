package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// TestMarkSentMany records a round of sends in one write: only the messages
// the worker still holds, each as MarkSent would.
func TestMarkSentMany(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		for _, id := range []string{"a", "b", "c", "d"} {
			enqueue(t, s, id, "u1", t0, t0)
		}
		now := t0.Add(time.Second)
		if _, err := s.ClaimMessages(ctx, "w1", now, time.Minute, 3); err != nil { // a, b, c
			t.Fatal(err)
		}
		if _, err := s.ClaimMessages(ctx, "w2", now, time.Minute, 1); err != nil { // d
			t.Fatal(err)
		}
		at := now.Add(time.Second)
		n, err := s.MarkSentMany(ctx, "w1", []string{"a", "b", "d"}, at)
		if err != nil || n != 2 {
			t.Fatalf("MarkSentMany = %d, %v; want 2 (d is w2's)", n, err)
		}
		for id, want := range map[string]gatehouse.MessageStatus{"a": gatehouse.MessageSent, "b": gatehouse.MessageSent,
			"c": gatehouse.MessageQueued, "d": gatehouse.MessageQueued} {
			m, err := s.Message(ctx, gatehouse.DefaultOrgID, id)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != want {
				t.Errorf("%s: %s, want %s", id, m.Status, want)
			}
			if want == gatehouse.MessageSent && (m.Attempts != 1 || !m.SentAt.Equal(at) || m.Text != "" || m.HTML != "" || m.ClaimedBy != "") {
				t.Errorf("%s: attempts %d, sent %v, bodies %q %q, claimed by %q", id, m.Attempts, m.SentAt, m.Text, m.HTML, m.ClaimedBy)
			}
			if id == "c" && m.ClaimedBy != "w1" || id == "d" && m.ClaimedBy != "w2" {
				t.Errorf("%s lost its claim: %q", id, m.ClaimedBy)
			}
		}
		if n, err := s.MarkSentMany(ctx, "w1", []string{"a"}, at); err != nil || n != 0 {
			t.Errorf("a second report: %d, %v; want 0", n, err)
		}
	})
}
