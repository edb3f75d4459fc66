package admin_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestAdminMobileChangeForgetsTrustedBrowsers: a mobile number changed on the
// member's record is a change of second factor, as when the member changes it.
func TestAdminMobileChangeForgetsTrustedBrowsers(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		adam := s.AddMember(t, "adam", "adam@example.com", password, gatehouse.RoleAdministrator)
		m := s.AddMember(t, "jdoe", "jane@example.com", password, gatehouse.RoleMember)
		now := s.Clock.Now()
		if err := s.Store.CreateTrustedDevice(t.Context(), &gatehouse.TrustedDevice{
			ID: gatehouse.NewID(nil), OrgID: m.OrgID, MemberID: m.ID, TokenHash: "h", CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour),
		}); err != nil {
			t.Fatal(err)
		}
		mobile := "+447911123456"
		if _, err := s.Admin.UpdateMember(t.Context(), gatehouse.MemberActor(adam), gatehouse.Client{}, m.OrgID, m.ID, admin.ProfileUpdate{Mobile: &mobile}); err != nil {
			t.Fatal(err)
		}
		left, err := s.Store.TrustedDevices(t.Context(), m.OrgID, m.ID, now)
		if err != nil || len(left) != 0 {
			t.Errorf("trusted browsers after an administrator changed the number: %d, %v", len(left), err)
		}
		if len(s.Audit(t, gatehouse.EventDeviceRevoked)) == 0 {
			t.Error("the revocation was not audited")
		}
	})
}

// TestPromotionForgetsTrustedBrowsers: a browser trusted before a promotion
// to administrator or owner would skip the administrators' second factor, so
// the promotion forgets it (audited); a change of role to member keeps the
// member's browsers.
func TestPromotionForgetsTrustedBrowsers(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		owner := s.AddMember(t, "olga", "olga@example.com", password, gatehouse.RoleOwner)
		m := s.AddMember(t, "jdoe", "jane@example.com", password, gatehouse.RoleMember)
		now := s.Clock.Now()
		trust := func(hash string) {
			t.Helper()
			if err := s.Store.CreateTrustedDevice(t.Context(), &gatehouse.TrustedDevice{
				ID: gatehouse.NewID(nil), OrgID: m.OrgID, MemberID: m.ID, TokenHash: hash, CreatedAt: now, LastUsedAt: now, ExpiresAt: now.Add(30 * 24 * time.Hour),
			}); err != nil {
				t.Fatal(err)
			}
		}
		left := func() int {
			t.Helper()
			d, err := s.Store.TrustedDevices(t.Context(), m.OrgID, m.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			return len(d)
		}
		setRole := func(r gatehouse.Role) {
			t.Helper()
			if _, err := s.Admin.UpdateMember(t.Context(), gatehouse.MemberActor(owner), gatehouse.Client{}, m.OrgID, m.ID, admin.ProfileUpdate{Role: &r}); err != nil {
				t.Fatal(err)
			}
		}
		for i, step := range []struct {
			role   gatehouse.Role
			forget bool
		}{{gatehouse.RoleAdministrator, true}, {gatehouse.RoleOwner, true}, {gatehouse.RoleMember, false}} {
			trust("h" + string(step.role))
			setRole(step.role)
			if got := left(); (got == 0) != step.forget {
				t.Fatalf("step %d, to %s: %d trusted browsers left", i, step.role, got)
			}
		}
		var audited int
		for _, e := range s.Audit(t, gatehouse.EventDeviceRevoked) {
			if e.MemberID == m.ID && e.Details["reason"] == "role_changed" {
				audited++
			}
		}
		if audited != 2 {
			t.Errorf("%d revocations audited for the role, want 2", audited)
		}
	})
}
