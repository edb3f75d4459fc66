package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// t0 is the instant the tests start from: microsecond precision, as stored.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var ctx = context.Background()

// newMember returns an active member of the default organization with every
// field set, so that round trips check them all.
func newMember(username string) *gatehouse.Member {
	return &gatehouse.Member{
		ID:                 gatehouse.NewID(nil),
		OrgID:              gatehouse.DefaultOrgID,
		Username:           username,
		DisplayName:        "Member " + username,
		Email:              username + "@example.com",
		WorkEmail:          username + "@work.example",
		Mobile:             "+447700900123",
		Role:               gatehouse.RoleMember,
		State:              gatehouse.StateActive,
		ExpiresAt:          t0.Add(365 * 24 * time.Hour),
		PasswordHash:       "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		PasswordChangedAt:  t0.Add(-time.Hour),
		MustChangePassword: true,
		SupportPINHash:     "$argon2id$pin",
		CreatedAt:          t0.Add(-2 * time.Hour),
		UpdatedAt:          t0.Add(-90 * time.Minute),
	}
}

// addMember stores a member made by newMember and changed by edit.
func addMember(t *testing.T, s *sqlstore.Store, username string, edit func(*gatehouse.Member)) *gatehouse.Member {
	t.Helper()
	m := newMember(username)
	if edit != nil {
		edit(m)
	}
	if err := s.CreateMember(ctx, m); err != nil {
		t.Fatalf("CreateMember(%s): %v", username, err)
	}
	return m
}

// addOrg creates another organization.
func addOrg(t *testing.T, s *sqlstore.Store, id string) {
	t.Helper()
	if err := s.CreateOrganization(ctx, &gatehouse.Organization{ID: id, CreatedAt: t0}); err != nil {
		t.Fatalf("CreateOrganization(%s): %v", id, err)
	}
}

// wantCode fails t unless err has code ("" means no error).
func wantCode(t *testing.T, what string, err error, code gatehouse.Code) {
	t.Helper()
	if got := gatehouse.ErrorCode(err); got != code {
		t.Errorf("%s: error %v, code %q, want %q", what, err, got, code)
	}
}
