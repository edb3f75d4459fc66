package sqlstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

// TestConfirmations stores a confirmation, redeems it from many goroutines at
// once inside transactions (exactly one succeeds; the others see it used once
// that one has committed), and deletes it a day after it expired.
func TestConfirmations(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		c := &gatehouse.Confirmation{ID: "c1", OrgID: gatehouse.DefaultOrgID, ActorID: "member:adam", Kind: "activation",
			Payload: `["a","b"]`, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.CreateConfirmation(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := s.Confirmation(ctx, gatehouse.DefaultOrgID, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("Confirmation (-want +got):\n%s", diff)
		}
		wantCode(t, "another organization", err2(s.Confirmation(ctx, "other", "c1")), gatehouse.NotFound)
		wantCode(t, "an unknown one", err2(s.UseConfirmation(ctx, gatehouse.DefaultOrgID, "nope", t0)), gatehouse.NotFound)

		const n = 12
		var wg sync.WaitGroup
		var mu sync.Mutex
		won, sawUsed := 0, 0
		for range n {
			wg.Go(func() {
				err := s.Tx(ctx, func(tx *sqlstore.Store) error {
					if _, err := tx.UseConfirmation(ctx, gatehouse.DefaultOrgID, "c1", t0.Add(time.Minute)); err != nil {
						if !gatehouse.IsCode(err, gatehouse.NotFound) {
							return err
						}
						cur, err := tx.Confirmation(ctx, gatehouse.DefaultOrgID, "c1")
						if err != nil {
							return err
						}
						mu.Lock()
						if cur.Result == "done" {
							sawUsed++
						}
						mu.Unlock()
						return nil
					}
					mu.Lock()
					won++
					mu.Unlock()
					return tx.SetConfirmationResult(ctx, gatehouse.DefaultOrgID, "c1", "done")
				})
				if err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won != 1 || sawUsed != n-1 {
			t.Errorf("%d redemptions succeeded and %d saw the result, want 1 and %d", won, sawUsed, n-1)
		}

		late := &gatehouse.Confirmation{ID: "c2", OrgID: gatehouse.DefaultOrgID, ActorID: "member:adam", Kind: "activation",
			CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.CreateConfirmation(ctx, late); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "an expired one", err2(s.UseConfirmation(ctx, gatehouse.DefaultOrgID, "c2", t0.Add(time.Hour))), gatehouse.NotFound)

		if _, err := s.DeleteExpired(ctx, t0.Add(24*time.Hour), time.Hour); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Confirmation(ctx, gatehouse.DefaultOrgID, "c1"); err != nil {
			t.Errorf("the result was deleted before a day had passed: %v", err)
		}
		if _, err := s.DeleteExpired(ctx, t0.Add(25*time.Hour+time.Second), time.Hour); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "a day after its expiry", err2(s.Confirmation(ctx, gatehouse.DefaultOrgID, "c1")), gatehouse.NotFound)
	})
}
