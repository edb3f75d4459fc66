package sqlstore_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

func TestClaimJob(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		claim := func(holder string, now time.Time, until time.Time) bool {
			t.Helper()
			ok, err := s.ClaimJob(ctx, "cleanup", holder, now, until)
			if err != nil {
				t.Fatalf("ClaimJob(%s): %v", holder, err)
			}
			return ok
		}
		if !claim("a", t0, t0.Add(10*time.Minute)) {
			t.Fatal("the first claim of a job was refused")
		}
		if claim("b", t0.Add(time.Minute), t0.Add(11*time.Minute)) {
			t.Error("b claimed a job that a holds")
		}
		if claim("a", t0.Add(time.Minute), t0.Add(11*time.Minute)) {
			t.Error("a claim is not re-entrant: a claimed its own job twice")
		}
		if claim("b", t0.Add(10*time.Minute-time.Microsecond), t0.Add(20*time.Minute)) {
			t.Error("b claimed the job a microsecond before a's claim ran out")
		}
		if !claim("b", t0.Add(10*time.Minute), t0.Add(20*time.Minute)) {
			t.Error("b could not claim the job once a's claim ran out (a died)")
		}
		if claim("a", t0.Add(15*time.Minute), t0.Add(25*time.Minute)) {
			t.Error("a claimed the job that b now holds")
		}
		ok, err := s.ClaimJob(ctx, "other", "a", t0.Add(15*time.Minute), t0.Add(16*time.Minute))
		if err != nil || !ok {
			t.Errorf("claiming another job = %v, %v; jobs must be independent", ok, err)
		}
		if _, err := s.ClaimJob(ctx, "", "a", t0, t0); !gatehouse.IsCode(err, gatehouse.Invalid) {
			t.Errorf("a claim without a job name: %v, want Invalid", err)
		}
		if _, err := s.ClaimJob(ctx, "cleanup", "", t0, t0); !gatehouse.IsCode(err, gatehouse.Invalid) {
			t.Errorf("a claim without a holder: %v, want Invalid", err)
		}
	})
}

// TestClaimJobRace has two Stores, as two replicas would, claim one job many
// times at the same instant: exactly one claim may win.
func TestClaimJobRace(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			stores := []*sqlstore.Store{gatehousetest.NewStore(t, u.URL), gatehousetest.NewStore(t, u.URL)}
			var won atomic.Int32
			var wg sync.WaitGroup
			for i := range 16 {
				s := stores[i%2]
				wg.Go(func() {
					ok, err := s.ClaimJob(ctx, "cleanup", "replica-"+string(rune('a'+i)), t0, t0.Add(time.Minute))
					if err != nil {
						t.Errorf("claim %d: %v", i, err)
					}
					if ok {
						won.Add(1)
					}
				})
			}
			wg.Wait()
			if n := won.Load(); n != 1 {
				t.Errorf("%d of 16 concurrent claims won, want exactly 1", n)
			}
		})
	}
}
