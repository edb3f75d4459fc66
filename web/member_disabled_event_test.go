package web_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestDisablingAuditsMemberDisabled: disabling an account writes a
// member.disabled event (what webhooks subscribe to), once, and a change that
// leaves the account disabled or enables it writes none.
func TestDisablingAuditsMemberDisabled(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		bob := s.AddMember(t, "bob", "bob@example.com", goodPassword, gatehouse.RoleMember)
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		for _, body := range []string{`{"state": "disabled"}`, `{"display_name": "Bob B"}`, `{"state": "active"}`} {
			if r := apiRequest(t, s, key, "PATCH", "/members/"+bob.ID, body); r.Status != http.StatusOK {
				t.Fatalf("PATCH %s: %d\n%s", body, r.Status, r.Body)
			}
		}
		events := s.Audit(t, gatehouse.EventMemberDisabled)
		if len(events) != 1 || events[0].MemberID != bob.ID {
			t.Fatalf("member.disabled events: %+v, want one for bob", events)
		}
	})
}
