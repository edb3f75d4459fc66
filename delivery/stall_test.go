package delivery_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// TestStalledMailServer queues more messages than one claim may take behind a
// mail server that accepts connections and never greets, so that every send
// waits its whole time (a quarter of the lease). Every message must be tried
// in turn: attempts count the connections the server saw, never the claims;
// each retry is scheduled from the number of real tries by the documented
// backoff; and a message is given up on after exactly MaxAttempts real tries.
func TestStalledMailServer(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		e.smtp.Mute()
		const n, maxAttempts = 5, 4
		const lease = 400 * time.Millisecond
		const sendTime = lease / 4 // how long a send may wait, for real
		const base, most = time.Minute, 4 * time.Minute

		// The worker's clock moves on by a send's whole time with every
		// connection the server accepts, as a wall clock does while the sends
		// stall, and by whatever the test adds to reach the next due message.
		var offset atomic.Int64
		start := e.clock.Now()
		now := func() time.Time {
			return start.Add(time.Duration(offset.Load()) + time.Duration(e.smtp.Connections())*sendTime)
		}
		w := e.worker("w1")
		w.Now, w.Lease, w.Batch, w.MaxAttempts = now, lease, 20, maxAttempts
		w.BackoffBase, w.BackoffMax = base, most
		var ms []*gatehouse.Message
		for i := range n {
			ms = append(ms, e.email(fmt.Sprintf("member%d@example.com", i)))
		}

		tries := map[string]int{}
		for round := 1; ; round++ {
			if round > 10*n*maxAttempts {
				t.Fatalf("after %d rounds messages are still queued", round)
			}
			if _, err := w.Drain(context.Background()); err != nil {
				t.Fatal(err)
			}
			var due time.Time
			for _, m := range ms {
				got := e.message(m)
				if got.ClaimedBy != "" || got.LapsedClaims != 0 {
					t.Fatalf("round %d: %s is still claimed by %q after the drain, %d lapsed claims", round, m.ID, got.ClaimedBy, got.LapsedClaims)
				}
				switch prev := tries[m.ID]; {
				case got.Attempts == prev:
				case got.Attempts != prev+1:
					t.Fatalf("round %d: %s went from %d attempts to %d in one round, with one try at most", round, m.ID, prev, got.Attempts)
				case got.Status == gatehouse.MessageQueued:
					// The documented backoff: base doubled for each earlier
					// attempt, at most the maximum, the upper half random.
					d := min(base<<(got.Attempts-1), most)
					if wait := got.NextAttemptAt.Sub(got.LastAttemptAt); wait < d/2 || wait > d {
						t.Errorf("after attempt %d of %s: next attempt %v after it, want %v to %v", got.Attempts, m.ID, wait, d/2, d)
					}
				}
				tries[m.ID] = got.Attempts
				if got.Status == gatehouse.MessageQueued && (due.IsZero() || got.NextAttemptAt.Before(due)) {
					due = got.NextAttemptAt
				}
			}
			if due.IsZero() {
				break // none queued
			}
			if d := due.Sub(now()); d > 0 {
				offset.Add(int64(d))
			}
		}

		total := 0
		for _, m := range ms {
			got := e.wantStatus(m, gatehouse.MessageFailed, maxAttempts)
			if !strings.HasPrefix(got.LastError, fmt.Sprintf("gave up after %d attempts", maxAttempts)) {
				t.Errorf("LastError = %q", got.LastError)
			}
			total += got.Attempts
		}
		// The last connection has been accepted by the time its send gave up;
		// wait for the server's count all the same rather than race it.
		deadline := time.Now().Add(waitLong)
		for e.smtp.Connections() < total && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if c := e.smtp.Connections(); c != total || total != n*maxAttempts {
			t.Errorf("the server saw %d connections and the outbox counts %d attempts; want %d of each", c, total, n*maxAttempts)
		}
	})
}
