package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// TestSessionOfAnotherOrganizationRefused plants the session of an owner of
// another organization, created directly in the store: the admin pages, the
// account pages, the sign-in steps and the session API answer it exactly as
// they answer no session at all.
func TestSessionOfAnotherOrganizationRefused(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		ctx := t.Context()
		newAdminOrg(t, s)
		now := s.Clock.Now()
		if err := s.Store.CreateOrganization(ctx, &gatehouse.Organization{ID: "other", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		intruder := &gatehouse.Member{ID: gatehouse.NewID(nil), OrgID: "other", Username: "olga", Email: "olga@other.example",
			Role: gatehouse.RoleOwner, State: gatehouse.StateActive, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
		if err := s.Store.CreateMember(ctx, intruder); err != nil {
			t.Fatal(err)
		}
		planted := map[gatehouse.Stage]string{}
		for _, stage := range []gatehouse.Stage{gatehouse.StageActive, gatehouse.StageSecondFactor, gatehouse.StageRenewPassword} {
			raw, hash, err := secret.NewToken(nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Store.CreateSession(ctx, &gatehouse.Session{ID: gatehouse.NewID(nil), TokenHash: hash, OrgID: "other",
				MemberID: intruder.ID, Stage: stage, CreatedAt: now, LastSeenAt: now,
				IdleExpiresAt: now.Add(time.Hour), ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			planted[stage] = raw
		}
		paths := []string{"/admin", "/admin/members", "/admin/settings", "/admin/audit", "/admin/audit.csv",
			"/account", "/account/password", "/account/two-factor", "/account/devices", "/api/v1/session",
			"/login", "/login/verify", "/login/renew"}
		for stage, raw := range planted {
			b, none := withSession(t, s, raw), s.Browser(t)
			for _, p := range paths {
				got, want := b.Get(p), none.Get(p)
				if signInAnswer(got, "") != signInAnswer(want, "") || got.Location != want.Location {
					t.Errorf("%s session of another organization, GET %s: %d to %q, want %d to %q as without a session",
						stage, p, got.Status, got.Location, want.Status, want.Location)
				}
			}
			if r := b.Get("/admin/members"); r.Status == http.StatusOK {
				t.Errorf("%s session of another organization reads the member list", stage)
			}
		}
	})
}
