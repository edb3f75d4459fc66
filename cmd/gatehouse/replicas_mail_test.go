package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// enqueue puts n emails of the given kind into the shared queue, in one
// transaction, addressed to kind-NNN@example.com.
func (c *cluster) enqueue(t *testing.T, kind string, n int) {
	t.Helper()
	ctx := context.Background()
	st := gatehousetest.NewStore(t, c.env["GATEHOUSE_DATABASE_URL"])
	now := time.Now()
	err := st.Tx(ctx, func(tx *sqlstore.Store) error {
		for i := range n {
			m := &gatehouse.Message{
				ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID, Channel: gatehouse.ChannelEmail, Kind: kind,
				To: fmt.Sprintf("%s-%03d@example.com", kind, i), Subject: fmt.Sprintf("%s %d", kind, i),
				Text: "A test message.", CreatedAt: now,
			}
			if err := tx.Enqueue(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("queueing %d messages: %v", n, err)
	}
}

// waitSent waits until the n messages of kind are recorded as sent in the
// database and the SMTP server has them, and returns how often the SMTP server
// received each of their recipients.
func (c *cluster) waitSent(t *testing.T, kind string, n int) map[string]int {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		sent := c.count(t, `SELECT COUNT(*) FROM messages WHERE kind = $1 AND status = 'sent'`, kind)
		got := map[string]int{}
		for _, m := range c.smtp.Messages() {
			for _, to := range m.To {
				if strings.HasPrefix(to, kind+"-") {
					got[to]++
				}
			}
		}
		if sent == n && len(got) == n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s, %d of %d messages are recorded as sent and %d recipients have mail", sent, n, len(got))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sentBy counts the messages of kind that replica r logged as sent.
func sentBy(r *gatehousetest.Replica, kind string) int {
	n := 0
	for _, e := range r.Logs() {
		if e["msg"] == "delivery: message sent" && e["kind"] == kind {
			n++
		}
	}
	return n
}

// TestReplicaKilledWhileSending kills a replica with SIGKILL while it holds
// claims on queued messages and is in the middle of sending one: the other
// replica must deliver every message once the dead one's lease has run out,
// and none twice.
func TestReplicaKilledWhileSending(t *testing.T) {
	t.Parallel()
	// A short lease keeps the test short; sends may take a quarter of it.
	c := newCluster(t, map[string]string{"GATEHOUSE_DELIVERY_LEASE": "6s"})
	a, b := c.start(t, "A"), c.start(t, "B")
	const n = 30
	// A stalled mail server: every send waits at RCPT TO, before the message
	// itself has been transmitted.
	c.smtp.Hold()
	c.enqueue(t, "kill", n)
	// Each worker sends one message at a time: two waiting means that both
	// replicas are in the middle of a send, with the rest of a batch claimed.
	c.smtp.WaitHeld(t, 2, 30*time.Second)
	// A worker sends on more than one connection (mail lanes), so the two
	// waiting sends may both be B's: wait until A holds claims too.
	var claimedByA []string
	for deadline := time.Now().Add(30 * time.Second); len(claimedByA) == 0 && time.Now().Before(deadline); {
		rows, err := c.db.Query(`SELECT id FROM messages WHERE kind = 'kill' AND status = 'queued' AND claimed_by LIKE $1`,
			"%-"+strconv.Itoa(a.PID())+"-%")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id string
			rows.Scan(&id)
			claimedByA = append(claimedByA, id)
		}
		rows.Close()
		if len(claimedByA) == 0 {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if len(claimedByA) == 0 {
		t.Fatal("A holds no claims; the test cannot show a takeover")
	}
	a.Kill()
	c.smtp.Release()

	got := c.waitSent(t, "kill", n)
	for to, k := range got {
		if k != 1 {
			t.Errorf("%s received %d times", to, k)
		}
	}
	if sentB := sentBy(b, "kill"); sentB != n {
		t.Errorf("B sent %d messages, want all %d (A died before sending any)", sentB, n)
	}
	for _, id := range claimedByA {
		var status string
		var attempts, lapsed int
		if err := c.db.QueryRow(`SELECT status, attempts, lapsed_claims FROM messages WHERE id = $1`, id).Scan(&status, &attempts, &lapsed); err != nil {
			t.Fatal(err)
		}
		// A's claim ran out without a report: counted as a lapsed claim, not
		// as an attempt; B's send is the one attempt.
		if status != "sent" || attempts != 1 || lapsed != 1 {
			t.Errorf("message %s claimed by A: %s after %d attempts and %d lapsed claims, want sent after 1 and 1", id, status, attempts, lapsed)
		}
	}
	t.Logf("A held %d claims when it was killed", len(claimedByA))
}
