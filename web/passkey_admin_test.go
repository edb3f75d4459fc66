package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/passkey"
)

// The member page shows a member's second factors; an administrator removes
// a member's passkeys (audited, emailed), but not an owner's.
func TestAdminRemovesPasskeys(t *testing.T) {
	webtest.Each(t, webtest.Options{Localhost: true}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "admin", "admin@example.com", goodPassword, gatehouse.RoleAdministrator)
		ada := s.AddMember(t, "ada", "ada@example.com", goodPassword, gatehouse.RoleMember)
		olga := s.AddMember(t, "olga", "olga@example.com", goodPassword, gatehouse.RoleOwner)
		for _, m := range []*gatehouse.Member{ada, olga} {
			b := s.Browser(t)
			b.SignIn(m.Username, goodPassword, "/account")
			for _, name := range []string{"Phone", "Laptop"} {
				wantStatus(t, "adding "+name, addPasskey(t, b, newPKDevice(s, m), name), http.StatusSeeOther, "/account/passkeys?done=added")
			}
		}
		admin := s.Browser(t)
		admin.SignIn("admin", goodPassword, "/account")
		page := admin.Get("/admin/members/" + ada.ID)
		wantBody(t, "the member page", page, "Second factors", "Passkeys: 2", "Phone", "Laptop", "Unused recovery codes: 0", "Remove all passkeys")

		list, _ := s.Passkeys.List(t.Context(), ada)
		r := admin.Post("/admin/members/"+ada.ID+"/passkeys/"+list[0].ID+"/remove", nil)
		wantStatus(t, "removing one", r, http.StatusSeeOther, "/admin/members/"+ada.ID+"?"+url.Values{"done": {"passkeys_removed"}, "n": {"1"}}.Encode())
		if left, _ := s.Passkeys.List(t.Context(), ada); len(left) != 1 || left[0].ID != list[1].ID {
			t.Errorf("left: %v", left)
		}
		r = admin.Submit("/admin/members/"+ada.ID, "/admin/members/"+ada.ID+"/passkeys/remove", nil)
		wantStatus(t, "removing all", r, http.StatusSeeOther, "")
		if left, _ := s.Passkeys.List(t.Context(), ada); len(left) != 0 {
			t.Errorf("left after removing all: %d", len(left))
		}
		removed := 0
		for _, e := range s.Audit(t, passkey.EventRemoved) {
			if e.MemberID == ada.ID && e.ActorName == "admin" {
				removed++
			}
		}
		if removed != 2 {
			t.Errorf("passkey.removed by the administrator: %d, want 2", removed)
		}

		wantBody(t, "an owner's page", admin.Get("/admin/members/"+olga.ID), "Passkeys: 2", "Only an owner changes an owner")
		r = admin.Submit("/admin/members/"+olga.ID, "/admin/members/"+olga.ID+"/passkeys/remove", nil)
		wantStatus(t, "an administrator removing an owner's passkeys", r, http.StatusForbidden, "")
		if left, _ := s.Passkeys.List(t.Context(), olga); len(left) != 2 {
			t.Errorf("the owner's passkeys left: %d, want 2", len(left))
		}
	})
}

// DELETE /api/v1/members/{id}/passkeys removes a member's passkeys; an
// administrator's key cannot remove an owner's.
func TestAPIRemovePasskeys(t *testing.T) {
	s := webtest.New(t, webtest.Options{Localhost: true})
	ada := s.AddMember(t, "ada", "ada@example.com", goodPassword, gatehouse.RoleMember)
	olga := s.AddMember(t, "olga", "olga@example.com", goodPassword, gatehouse.RoleOwner)
	for _, m := range []*gatehouse.Member{ada, olga} {
		b := s.Browser(t)
		b.SignIn(m.Username, goodPassword, "/account")
		wantStatus(t, "adding a passkey", addPasskey(t, b, newPKDevice(s, m), "Phone"), http.StatusSeeOther, "/account/passkeys?done=added")
	}
	key := newAPIKey(t, s, "desk", gatehouse.RoleAdministrator)
	r := apiRequest(t, s, key, "DELETE", "/members/"+ada.ID+"/passkeys", "")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"removed": 1`) {
		t.Errorf("removing ada's passkeys: %d %s", r.Status, r.Body)
	}
	if left, _ := s.Passkeys.List(t.Context(), ada); len(left) != 0 {
		t.Errorf("ada's passkeys left: %d", len(left))
	}
	if r := apiRequest(t, s, key, "DELETE", "/members/"+olga.ID+"/passkeys", ""); r.Status != http.StatusForbidden {
		t.Errorf("an administrator key removing an owner's passkeys: %d", r.Status)
	}
	if left, _ := s.Passkeys.List(t.Context(), olga); len(left) != 1 {
		t.Errorf("olga's passkeys left: %d", len(left))
	}
}
