package sqlstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/google/go-cmp/cmp"
)

func newAPIKey(name, hash string, created time.Time) *gatehouse.APIKey {
	return &gatehouse.APIKey{
		ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID, Name: name, Role: gatehouse.RoleAdministrator,
		Hash: hash, Prefix: "gh_abcdef", CreatedAt: created, CreatedBy: "alice",
	}
}

func TestAPIKeys(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		k1 := newAPIKey("crm", "hash-1", t0)
		k2 := newAPIKey("billing", "hash-2", t0.Add(time.Minute))
		for _, k := range []*gatehouse.APIKey{k1, k2} {
			if err := s.CreateAPIKey(ctx, k); err != nil {
				t.Fatalf("CreateAPIKey(%s): %v", k.Name, err)
			}
		}
		wantCode(t, "a second unrevoked key named crm", s.CreateAPIKey(ctx, newAPIKey("crm", "hash-3", t0)), gatehouse.Conflict)
		wantCode(t, "a hash stored twice", s.CreateAPIKey(ctx, newAPIKey("other", "hash-1", t0)), gatehouse.Conflict)
		bad := newAPIKey("x", "hash-x", t0)
		bad.OrgID = "nope"
		wantCode(t, "unknown organization", s.CreateAPIKey(ctx, bad), gatehouse.NotFound)

		got, err := s.APIKeyByHash(ctx, "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(k1, got); diff != "" {
			t.Errorf("by hash (-want +got):\n%s", diff)
		}
		_, err = s.APIKeyByHash(ctx, "nope")
		wantCode(t, "unknown hash", err, gatehouse.NotFound)
		if got, err := s.APIKey(ctx, gatehouse.DefaultOrgID, k2.ID); err != nil || got.Name != "billing" {
			t.Errorf("APIKey = %v, %v", got, err)
		}
		_, err = s.APIKey(ctx, "other-org", k2.ID)
		wantCode(t, "key of another organization", err, gatehouse.NotFound)

		list, err := s.APIKeys(ctx, gatehouse.DefaultOrgID)
		if err != nil || len(list) != 2 || list[0].Name != "billing" || list[1].Name != "crm" {
			t.Fatalf("APIKeys = %v, %v; want billing then crm", list, err)
		}

		// Touch writes at most once per interval.
		at := t0.Add(time.Hour)
		for i, tc := range []struct {
			at   time.Time
			want time.Time
		}{
			{at, at},
			{at.Add(30 * time.Second), at},
			{at.Add(time.Minute), at.Add(time.Minute)},
		} {
			if err := s.TouchAPIKey(ctx, k1.ID, tc.at, time.Minute); err != nil {
				t.Fatal(err)
			}
			got, _ := s.APIKeyByHash(ctx, "hash-1")
			if !got.LastUsedAt.Equal(tc.want) {
				t.Errorf("touch %d: last used %v, want %v", i, got.LastUsedAt, tc.want)
			}
		}
		if err := s.TouchAPIKey(ctx, "unknown", at, time.Minute); err != nil {
			t.Errorf("touching an unknown key: %v", err)
		}

		if err := s.RevokeAPIKey(ctx, gatehouse.DefaultOrgID, k1.ID, at); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "revoking twice", s.RevokeAPIKey(ctx, gatehouse.DefaultOrgID, k1.ID, at), gatehouse.NotFound)
		wantCode(t, "revoking in another organization", s.RevokeAPIKey(ctx, "other", k2.ID, at), gatehouse.NotFound)
		got, _ = s.APIKeyByHash(ctx, "hash-1")
		if !got.Revoked() || !got.RevokedAt.Equal(at) {
			t.Errorf("after revoke: %+v", got)
		}
		// The name of a revoked key is free again.
		if err := s.CreateAPIKey(ctx, newAPIKey("crm", "hash-4", at)); err != nil {
			t.Errorf("reusing the name of a revoked key: %v", err)
		}
	})
}

// TestLockOrganization checks that the lock serializes two transactions: the
// second waits until the first commits and then sees its write.
func TestLockOrganization(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		m := addMember(t, s, "alice", func(m *gatehouse.Member) { m.Role = gatehouse.RoleOwner })
		locked := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- s.Tx(ctx, func(tx *sqlstore.Store) error {
				if err := tx.LockOrganization(ctx, gatehouse.DefaultOrgID); err != nil {
					return err
				}
				close(locked)
				<-release
				admin := gatehouse.RoleAdministrator
				return tx.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{Role: &admin, UpdatedAt: t0})
			})
		}()
		<-locked
		seen := make(chan gatehouse.Role, 1)
		go func() {
			_ = s.Tx(ctx, func(tx *sqlstore.Store) error {
				if err := tx.LockOrganization(ctx, gatehouse.DefaultOrgID); err != nil {
					return err
				}
				got, err := tx.Member(ctx, gatehouse.DefaultOrgID, m.ID)
				if err != nil {
					return err
				}
				seen <- got.Role
				return nil
			})
		}()
		select {
		case r := <-seen:
			t.Fatalf("the second transaction did not wait for the lock (saw %s)", r)
		case <-time.After(200 * time.Millisecond):
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if r := <-seen; r != gatehouse.RoleAdministrator {
			t.Errorf("the second transaction saw role %s, want the first one's write", r)
		}
		wantCode(t, "unknown organization", s.Tx(ctx, func(tx *sqlstore.Store) error {
			return tx.LockOrganization(ctx, "nope")
		}), map[sqlstore.Dialect]gatehouse.Code{sqlstore.SQLite: "", sqlstore.Postgres: gatehouse.NotFound}[s.Dialect()])
	})
}
