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
