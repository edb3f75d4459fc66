package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/session"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

func eachStore(t *testing.T, fn func(t *testing.T, st *sqlstore.Store, m *gatehouse.Member, now time.Time)) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			st := gatehousetest.NewStore(t, db.URL)
			now := time.Now().UTC().Truncate(time.Microsecond)
			m := &gatehouse.Member{ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID, Username: "ada", Email: "ada@example.com",
				Role: gatehouse.RoleMember, State: gatehouse.StateActive, CreatedAt: now, UpdatedAt: now}
			if err := st.CreateMember(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			fn(t, st, m, now)
		})
	}
}

// TestStartLifetimes: an active session lives by the organization's idle and
// absolute timeouts, one waiting for a second factor as long as a code and
// a quarter of an hour, any other pending one a quarter of an hour; the
// secret handed out finds the session and only its hash is stored.
func TestStartLifetimes(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlstore.Store, m *gatehouse.Member, now time.Time) {
		set := gatehouse.DefaultSettings()
		for _, tc := range []struct {
			stage      gatehouse.Stage
			idle, life time.Duration
		}{
			{gatehouse.StageActive, set.SessionIdleTimeout, set.SessionAbsoluteTimeout},
			{gatehouse.StageSecondFactor, session.SecondFactorTTL(&set), session.SecondFactorTTL(&set)},
			{gatehouse.StageRenewPassword, session.PendingTTL, session.PendingTTL},
			{gatehouse.StageSetupSecondFactor, session.PendingTTL, session.PendingTTL},
		} {
			raw, sess, err := session.Start(context.Background(), st, m, &set, tc.stage, gatehouse.Client{IP: "192.0.2.1"}, now, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := sess.IdleExpiresAt.Sub(now); got != tc.idle {
				t.Errorf("%s: idle %v, want %v", tc.stage, got, tc.idle)
			}
			if got := sess.ExpiresAt.Sub(now); got != tc.life {
				t.Errorf("%s: lifetime %v, want %v", tc.stage, got, tc.life)
			}
			if sess.TokenHash == raw || sess.TokenHash != secret.HashToken(raw) {
				t.Errorf("%s: the stored hash is not the secret's hash", tc.stage)
			}
			got, _, err := st.SessionByToken(context.Background(), secret.HashToken(raw))
			if err != nil || got.ID != sess.ID || got.Stage != tc.stage {
				t.Errorf("%s: the secret finds %+v, %v", tc.stage, got, err)
			}
		}
	})
}

// TestRotateOnce: a change of privilege gives the session a new secret and
// the old one stops working; of two rotations of one session at once,
// exactly one wins and the other is told there is no session.
func TestRotateOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlstore.Store, m *gatehouse.Member, now time.Time) {
		set := gatehouse.DefaultSettings()
		ctx := context.Background()
		oldRaw, sess, err := session.Start(ctx, st, m, &set, gatehouse.StageSecondFactor, gatehouse.Client{}, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []string
		var lost []error
		start := make(chan struct{})
		for range 2 {
			mine := *sess
			wg.Go(func() {
				<-start
				raw, err := session.Rotate(ctx, st, &mine, gatehouse.StageActive, &set, now.Add(time.Second), nil)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					won = append(won, raw)
				} else {
					lost = append(lost, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(won) != 1 || len(lost) != 1 || !errors.Is(lost[0], session.ErrNoSession) {
			t.Fatalf("two rotations at once: %d won, lost %v; want one each, the loser ErrNoSession", len(won), lost)
		}
		if _, _, err := st.SessionByToken(ctx, secret.HashToken(oldRaw)); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("the old secret after the rotation: %v, want NotFound", err)
		}
		got, _, err := st.SessionByToken(ctx, secret.HashToken(won[0]))
		if err != nil || got.Stage != gatehouse.StageActive || got.ExpiresAt.Sub(now.Add(time.Second)) != set.SessionAbsoluteTimeout {
			t.Errorf("the new secret finds %+v, %v; want an active session with fresh timeouts", got, err)
		}
	})
}

// TestRecordSignIn: a sign-in waiting for its second factor (or its setup)
// is not a sign-in yet; one that reached the account is, and ends an
// administrator's request to set up a second factor.
func TestRecordSignIn(t *testing.T) {
	eachStore(t, func(t *testing.T, st *sqlstore.Store, m *gatehouse.Member, now time.Time) {
		ctx := context.Background()
		yes := true
		if err := st.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{MustSetUpSecondFactor: &yes, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		m.MustSetUpSecondFactor = true
		for _, stage := range []gatehouse.Stage{gatehouse.StageSecondFactor, gatehouse.StageSetupSecondFactor} {
			if err := session.RecordSignIn(ctx, st, m, stage, now); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := st.Member(ctx, m.OrgID, m.ID)
		if !got.LastSignInAt.IsZero() || !got.MustSetUpSecondFactor {
			t.Fatalf("after pending stages: last sign-in %v, must set up %v; want neither changed", got.LastSignInAt, got.MustSetUpSecondFactor)
		}
		if err := session.RecordSignIn(ctx, st, m, gatehouse.StageActive, now); err != nil {
			t.Fatal(err)
		}
		got, _ = st.Member(ctx, m.OrgID, m.ID)
		if !got.LastSignInAt.Equal(now) || got.MustSetUpSecondFactor || m.MustSetUpSecondFactor {
			t.Errorf("after an active sign-in: last sign-in %v, must set up %v/%v; want now and false", got.LastSignInAt, got.MustSetUpSecondFactor, m.MustSetUpSecondFactor)
		}
	})
}
