package sqlstore_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// TestUseCaptcha spends one challenge from 20 goroutines at once: exactly one
// may succeed, the others get Conflict; expired records are cleaned up.
func TestUseCaptcha(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[gatehouse.Code]int{}
		for range 20 {
			wg.Go(func() {
				err := s.UseCaptcha(ctx, "challenge-a", t0.Add(10*time.Minute))
				mu.Lock()
				codes[gatehouse.ErrorCode(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes[""] != 1 || codes[gatehouse.Conflict] != 19 {
			t.Errorf("20 concurrent uses: %v; want 1 success and 19 conflicts", codes)
		}
		if err := s.UseCaptcha(ctx, "challenge-b", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := s.DeleteExpired(ctx, t0.Add(10*time.Minute), time.Hour)
		if err != nil || n != 1 {
			t.Errorf("DeleteExpired = %d, %v; want the expired challenge only", n, err)
		}
		wantCode(t, "the unexpired challenge is still spent", s.UseCaptcha(ctx, "challenge-b", t0.Add(time.Hour)), gatehouse.Conflict)
	})
}

// TestNestedTxIsSavepoint checks that a Tx inside a Tx undoes only its own work
// when it fails, and that the outer transaction still commits the rest; and
// that a failed statement inside the savepoint does not poison the outer
// transaction (PostgreSQL aborts a transaction after any error otherwise).
func TestNestedTxIsSavepoint(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		discard := errors.New("discard")
		err := s.Tx(ctx, func(tx *sqlstore.Store) error {
			if err := tx.CreateToken(ctx, &gatehouse.Token{Hash: "kept", OrgID: m.OrgID, MemberID: m.ID, Purpose: gatehouse.PurposeReset, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
				return err
			}
			inner := tx.Tx(ctx, func(tx *sqlstore.Store) error {
				if err := tx.CreateToken(ctx, &gatehouse.Token{Hash: "undone", OrgID: m.OrgID, MemberID: m.ID, Purpose: gatehouse.PurposeReset, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
					return err
				}
				return discard
			})
			if inner != discard {
				t.Errorf("inner Tx returned %v, want its own error", inner)
			}
			broken := tx.Tx(ctx, func(tx *sqlstore.Store) error {
				return tx.CreateToken(ctx, &gatehouse.Token{Hash: "kept", OrgID: m.OrgID, Purpose: gatehouse.PurposeSetup, ExpiresAt: t0})
			})
			wantCode(t, "duplicate inside a savepoint", broken, gatehouse.Conflict)
			ok := tx.Tx(ctx, func(tx *sqlstore.Store) error {
				return tx.CreateToken(ctx, &gatehouse.Token{Hash: "nested-ok", OrgID: m.OrgID, MemberID: m.ID, Purpose: gatehouse.PurposeReset, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
			})
			return ok
		})
		if err != nil {
			t.Fatalf("outer Tx: %v", err)
		}
		for hash, want := range map[string]gatehouse.Code{"kept": "", "nested-ok": "", "undone": gatehouse.NotFound} {
			wantCode(t, "token "+hash, err2(s.Token(ctx, hash)), want)
		}
	})
}
