package sqlstore_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

// TestLegacyBcryptCost: the highest cost of the organization's imported bcrypt
// hashes, by organization; argon2id hashes, other organizations and corrupt
// rows do not count, and an upgraded hash stops counting.
func TestLegacyBcryptCost(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		bcryptHash := func(cost string) string { return "$2b$" + cost + "$" + strings.Repeat("a", 53) }
		got := func(org string) int {
			t.Helper()
			n, err := s.LegacyBcryptCost(ctx, org)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		addMember(t, s, "argon", nil)
		if n := got(gatehouse.DefaultOrgID); n != 0 {
			t.Errorf("no bcrypt hashes: %d, want 0", n)
		}
		addMember(t, s, "ten", func(m *gatehouse.Member) { m.PasswordHash = bcryptHash("10") })
		twelve := addMember(t, s, "twelve", func(m *gatehouse.Member) { m.PasswordHash = "$2a$12$" + strings.Repeat("b", 53) })
		addMember(t, s, "corrupt", func(m *gatehouse.Member) { m.PasswordHash = bcryptHash("zz") })
		addOrg(t, s, "other")
		addMember(t, s, "elsewhere", func(m *gatehouse.Member) { m.OrgID, m.PasswordHash = "other", bcryptHash("14") })
		if n := got(gatehouse.DefaultOrgID); n != 12 {
			t.Errorf("default organization: %d, want 12", n)
		}
		if n := got("other"); n != 14 {
			t.Errorf("other organization: %d, want 14", n)
		}
		twelve.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1,norm=nfkc$c2FsdA$aGFzaA"
		if err := s.ChangeMember(ctx, twelve.OrgID, twelve.ID, gatehouse.MemberChange{PasswordHash: &twelve.PasswordHash, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if n := got(gatehouse.DefaultOrgID); n != 10 {
			t.Errorf("after an upgrade: %d, want 10", n)
		}
	})
}

// TestRotateSession: a rotation replaces the secret, stage and times at once;
// the old secret no longer finds the session; of two concurrent rotations from
// one secret exactly one wins; a foreign or ended session is NotFound.
func TestRotateSession(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", nil)
		ss := addSession(t, s, m, "before", t0)
		ss.Stage = gatehouse.StageSecondFactor
		if err := s.UpdateSession(ctx, ss); err != nil {
			t.Fatal(err)
		}
		next := *ss
		next.TokenHash, next.Stage = "after", gatehouse.StageActive
		next.LastSeenAt, next.IdleExpiresAt, next.ExpiresAt = t0.Add(time.Minute), t0.Add(2*time.Hour), t0.Add(24*time.Hour)
		if err := s.RotateSession(ctx, &next, "before"); err != nil {
			t.Fatalf("RotateSession: %v", err)
		}
		wantCode(t, "old secret", err3(s.SessionByToken(ctx, "before")), gatehouse.NotFound)
		got, _, err := s.SessionByToken(ctx, "after")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&next, got); diff != "" {
			t.Errorf("rotated session (-want +got):\n%s", diff)
		}
		wantCode(t, "rotate from a stale secret", s.RotateSession(ctx, &next, "before"), gatehouse.NotFound)
		foreign := next
		foreign.OrgID = "other"
		wantCode(t, "rotate in another org", s.RotateSession(ctx, &foreign, "after"), gatehouse.NotFound)

		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				n := next
				n.TokenHash = "race-" + string(rune('a'+i))
				errs[i] = s.RotateSession(ctx, &n, "after")
			})
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Errorf("two rotations from one secret: %v, %v; want exactly one success", errs[0], errs[1])
		}
		if err := s.DeleteSession(ctx, m.OrgID, ss.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "rotate an ended session", s.RotateSession(ctx, &next, "race-a"), gatehouse.NotFound)
	})
}
