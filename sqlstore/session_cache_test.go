package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// lookup returns whether hash finds a session in s, and its member's role.
func lookup(t *testing.T, s *sqlstore.Store, hash string) (bool, gatehouse.Role) {
	t.Helper()
	_, m, err := s.SessionByToken(ctx, hash)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return false, ""
	}
	if err != nil {
		t.Fatalf("SessionByToken: %v", err)
	}
	return true, m.Role
}

// TestSessionCacheLocal: a Store answers repeated lookups from memory, and
// sees every change made through itself at once: sessions ended one by one or
// all together, rotated, a member changed, in transactions or not.
func TestSessionCacheLocal(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		alice := addMember(t, s, "alice", nil)
		a1 := liveSession(t, s, alice, "hash-a1")
		liveSession(t, s, alice, "hash-a2")

		before := s.SessionCacheStats()
		for range 5 {
			if ok, _ := lookup(t, s, "hash-a1"); !ok {
				t.Fatal("no session")
			}
		}
		st := s.SessionCacheStats()
		if st.Hits-before.Hits < 4 {
			t.Errorf("5 lookups: %d hits, %d misses; want the repeats from memory", st.Hits-before.Hits, st.Misses-before.Misses)
		}
		// The caller's copy is its own.
		ss, m, _ := s.SessionByToken(ctx, "hash-a1")
		ss.Stage, m.Role = gatehouse.StageSecondFactor, gatehouse.RoleOwner
		if ss2, m2, _ := s.SessionByToken(ctx, "hash-a1"); ss2.Stage != gatehouse.StageActive || m2.Role != gatehouse.RoleMember {
			t.Error("a caller changed the cache through what it was given")
		}

		role := gatehouse.RoleAdministrator
		if err := s.ChangeMember(ctx, alice.OrgID, alice.ID, gatehouse.MemberChange{Role: &role, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if _, r := lookup(t, s, "hash-a2"); r != gatehouse.RoleAdministrator {
			t.Errorf("after a role change: %q", r)
		}

		// Rotation: the old secret is refused at once.
		lookup(t, s, "hash-a1")
		next := *a1
		next.TokenHash = "hash-a1-next"
		if err := s.RotateSession(ctx, &next, "hash-a1"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := lookup(t, s, "hash-a1"); ok {
			t.Error("the rotated secret still finds the session")
		}
		if ok, _ := lookup(t, s, "hash-a1-next"); !ok {
			t.Error("the new secret finds nothing")
		}

		// Sign-out in a transaction: refused once it commits.
		err := s.Tx(ctx, func(tx *sqlstore.Store) error {
			return tx.DeleteSession(ctx, alice.OrgID, a1.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := lookup(t, s, "hash-a1-next"); ok {
			t.Error("a session ended in a transaction is still found")
		}

		// End every session.
		lookup(t, s, "hash-a2")
		if _, err := s.DeleteMemberSessions(ctx, alice.OrgID, alice.ID, ""); err != nil {
			t.Fatal(err)
		}
		if ok, _ := lookup(t, s, "hash-a2"); ok {
			t.Error("a session ended with all the others is still found")
		}

		// A disabled member's session shows the new state at once.
		liveSession(t, s, alice, "hash-a3")
		lookup(t, s, "hash-a3")
		state := gatehouse.StateDisabled
		if err := s.ChangeMember(ctx, alice.OrgID, alice.ID, gatehouse.MemberChange{State: &state, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if _, m, err := s.SessionByToken(ctx, "hash-a3"); err != nil || m.State != gatehouse.StateDisabled {
			t.Errorf("after disabling: %v, %v", m, err)
		}
	})
}

// TestSessionCacheReplicas: a session ended by another replica is refused as
// soon as the notice arrives when the Store listens, and once the cache's
// maximum age has passed when it does not (the notices cut).
func TestSessionCacheReplicas(t *testing.T) {
	for _, u := range gatehousetest.DatabaseURLs(t) {
		t.Run(u.Name, func(t *testing.T) {
			other := gatehousetest.NewStore(t, u.URL)
			listening := openStore(t, u.URL, sqlstore.Options{SessionTTL: time.Hour})
			listen(t, listening)
			deaf := openStore(t, u.URL, sqlstore.Options{SessionTTL: 300 * time.Millisecond})

			alice := addMember(t, other, "alice", nil)
			ss := liveSession(t, other, alice, "hash-1")
			for _, s := range []*sqlstore.Store{listening, deaf} {
				if ok, _ := lookup(t, s, "hash-1"); !ok {
					t.Fatal("no session")
				}
			}
			ended := time.Now()
			if err := other.DeleteSession(ctx, alice.OrgID, ss.ID); err != nil {
				t.Fatal(err)
			}
			for ok := true; ok; ok, _ = lookup(t, listening, "hash-1") {
				if time.Since(ended) > 2*time.Second {
					t.Fatal("a listening replica still finds the session 2s after another ended it")
				}
				time.Sleep(2 * time.Millisecond)
			}
			t.Logf("listening replica refused after %v", time.Since(ended))
			if ok, _ := lookup(t, deaf, "hash-1"); ok {
				time.Sleep(350 * time.Millisecond)
				if ok, _ := lookup(t, deaf, "hash-1"); ok {
					t.Error("a replica without notices still finds the session after its cache's maximum age")
				}
			}
		})
	}
}
