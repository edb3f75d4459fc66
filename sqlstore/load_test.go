package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// TestMixedLoad runs what a busy server does at once for a moment: 48 clients
// looking sessions up and touching them, 16 signing in (a transaction of a
// lookup, a new session, an audit event and a queued message, plus a throttling
// counter), a delivery worker and the cleanup. Not one call may fail: on SQLite
// that means no "database is locked", however the writes interleave.
func TestMixedLoad(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			s := gatehousetest.NewStore(t, u.URL)
			const members = 200
			ms := make([]*gatehouse.Member, members)
			err := s.Tx(ctx, func(tx *sqlstore.Store) error {
				for i := range ms {
					ms[i] = newMember(fmt.Sprintf("m%03d", i))
					if err := tx.CreateMember(ctx, ms[i]); err != nil {
						return err
					}
					ss := &gatehouse.Session{ID: gatehouse.NewID(nil), TokenHash: fmt.Sprintf("tok%d", i), OrgID: ms[i].OrgID,
						MemberID: ms[i].ID, Stage: gatehouse.StageActive, CreatedAt: t0, IdleExpiresAt: t0.Add(time.Hour), ExpiresAt: t0.Add(time.Hour)}
					if err := tx.CreateSession(ctx, ss); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			deadline := time.Now().Add(1500 * time.Millisecond)
			var lookups, signins, failures atomic.Int64
			fail := func(what string, err error) {
				if failures.Add(1) <= 5 {
					t.Errorf("%s: %v", what, err)
				}
			}
			var wg sync.WaitGroup
			for range 48 {
				wg.Go(func() {
					for time.Now().Before(deadline) {
						i := rand.IntN(members)
						ss, _, err := s.SessionByToken(ctx, fmt.Sprintf("tok%d", i))
						if err != nil {
							fail("SessionByToken", err)
							continue
						}
						lookups.Add(1)
						if rand.IntN(20) == 0 {
							if err := s.TouchSession(ctx, ss.ID, t0.Add(time.Minute), t0.Add(time.Hour)); err != nil {
								fail("TouchSession", err)
							}
						}
					}
				})
			}
			for w := range 16 {
				wg.Go(func() {
					for n := 0; time.Now().Before(deadline); n++ {
						m := ms[rand.IntN(members)]
						if _, err := s.Incr(ctx, "signin:"+m.ID, t0, time.Hour, false); err != nil {
							fail("Incr", err)
						}
						err := s.Tx(ctx, func(tx *sqlstore.Store) error {
							found, err := tx.MembersByIdentifier(ctx, m.OrgID, m.Email, 5)
							if err != nil || len(found) != 1 {
								return fmt.Errorf("MembersByIdentifier = %d, %v", len(found), err)
							}
							id := gatehouse.NewID(nil)
							if err := tx.CreateSession(ctx, &gatehouse.Session{ID: id, TokenHash: id, OrgID: m.OrgID, MemberID: m.ID,
								Stage: gatehouse.StageActive, CreatedAt: t0, IdleExpiresAt: t0, ExpiresAt: t0}); err != nil {
								return err
							}
							if err := tx.AddAudit(ctx, &gatehouse.AuditEvent{ID: id, OrgID: m.OrgID, At: t0, Type: gatehouse.EventSignIn, MemberID: m.ID}); err != nil {
								return err
							}
							return tx.Enqueue(ctx, &gatehouse.Message{ID: id, OrgID: m.OrgID, Channel: gatehouse.ChannelEmail, To: m.Email, CreatedAt: t0})
						})
						if err != nil {
							fail(fmt.Sprintf("sign-in %d/%d", w, n), err)
							continue
						}
						signins.Add(1)
					}
				})
			}
			wg.Go(func() {
				for time.Now().Before(deadline) {
					claimed, err := s.ClaimMessages(ctx, "worker", t0.Add(time.Minute), time.Minute, 20)
					if err != nil {
						fail("ClaimMessages", err)
					}
					for _, m := range claimed {
						if err := s.MarkSent(ctx, m.ID, "worker", t0.Add(time.Minute)); err != nil {
							fail("MarkSent", err)
						}
					}
					if _, err := s.DeleteExpired(ctx, t0.Add(time.Minute), 0); err != nil {
						fail("DeleteExpired", err)
					}
					time.Sleep(10 * time.Millisecond)
				}
			})
			wg.Wait()
			t.Logf("%s: %d lookups, %d sign-ins in 1.5s, %d failures", u.Name, lookups.Load(), signins.Load(), failures.Load())
			if signins.Load() == 0 || lookups.Load() == 0 {
				t.Errorf("no progress: %d lookups, %d sign-ins", lookups.Load(), signins.Load())
			}
		})
	}
}
