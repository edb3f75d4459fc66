package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/google/go-cmp/cmp"
)

// ownerSnapshot is what an owner-protection test checks is untouched: the owner's
// record, sessions, queued messages and the count of audit events that a
// change would write.
type ownerSnapshot struct {
	Member   *gatehouse.Member
	Sessions int
	Messages int
	Events   int
}

func takeSnapshot(t *testing.T, s *webtest.Server, id string) ownerSnapshot {
	t.Helper()
	ctx := context.Background()
	m, err := s.Store.Member(ctx, gatehouse.DefaultOrgID, id)
	if err != nil {
		return ownerSnapshot{} // deleted
	}
	msgs, _, err := s.Store.Messages(ctx, gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: id, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	evs := s.Audit(t, gatehouse.EventMemberUpdated, gatehouse.EventMemberDeleted, gatehouse.EventPasswordChanged,
		gatehouse.EventAdminPasswordSet, gatehouse.EventActivationSent, gatehouse.EventSessionsRevoked, gatehouse.EventMemberCreated,
		gatehouse.EventAPIKeyCreated, gatehouse.EventAPIKeyRevoked)
	return ownerSnapshot{Member: m, Sessions: sessionsOf(t, s, m), Messages: len(msgs), Events: len(evs)}
}

// ownerChanges are the changes S27 reserves for owners when their target is
// an owner, each through a page (path and form) and the API (method, path, body).
var ownerChanges = []struct {
	name              string
	page              string
	form              url.Values
	method, api, body string
}{
	{"edit profile", "/profile", url.Values{"name": {"Renamed"}, "email": {"olivia@example.com"}, "role": {"owner"}, "state": {"active"}},
		"PATCH", "", `{"display_name": "Renamed"}`},
	{"set password", "/password", url.Values{"password": {"granite meadow lantern fjord"}, "confirm_password": {"granite meadow lantern fjord"}},
		"PUT", "/password", `{"password": "granite meadow lantern fjord"}`},
	{"send activation code", "/activation", nil, "POST", "/activation-email", ""},
	{"end sessions", "/sessions/end", nil, "DELETE", "/sessions", ""},
	{"demote", "/profile", url.Values{"name": {"Test olivia"}, "email": {"olivia@example.com"}, "role": {"member"}, "state": {"active"}},
		"PATCH", "", `{"role": "member"}`},
	{"disable", "/disable", nil, "PATCH", "", `{"state": "disabled"}`},
	{"expire", "/profile", url.Values{"expires": {"2026-03-01"}}, "PATCH", "", `{"expires_at": "2026-03-01"}`},
	{"expire-later", "/profile", url.Values{"expires": {"2027-01-01"}}, "PATCH", "", `{"expires_at": "2027-01-01"}`},
	{"delete", "/delete", nil, "DELETE", "", ""},
}

// TestOwnerProtectionPages: an administrator who tries any of the owner-only
// changes on an owner in the admin area gets 403 and nothing changes (S27).
func TestOwnerProtectionPages(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		signedInAs(t, s, "olivia") // the owner has a session that must survive
		admin := signedInAs(t, s, "adam")
		page := "/admin/members/" + o.Owner.ID
		for _, c := range ownerChanges {
			before := takeSnapshot(t, s, o.Owner.ID)
			r := admin.Submit(page, page+c.page, c.form)
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Only an owner") {
				t.Errorf("%s: %d, want 403 saying only an owner may\n%.400s", c.name, r.Status, r.Body)
			}
			if diff := cmp.Diff(before, takeSnapshot(t, s, o.Owner.ID)); diff != "" {
				t.Errorf("%s: the owner changed (-before +after):\n%s", c.name, diff)
			}
		}
		// Promoting a member to owner, and creating an owner, need an owner too.
		mp := "/admin/members/" + o.Member.ID
		before := takeSnapshot(t, s, o.Member.ID)
		r := admin.Submit(mp, mp+"/profile", url.Values{"name": {"Test mia"}, "email": {"mia@example.com"}, "role": {"owner"}, "state": {"active"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("promote to owner: %d", r.Status)
		}
		if diff := cmp.Diff(before, takeSnapshot(t, s, o.Member.ID)); diff != "" {
			t.Errorf("promote to owner changed the member:\n%s", diff)
		}
		r = admin.Submit("/admin/members/new", "/admin/members/new", url.Values{"username": {"boss"}, "email": {"boss@example.com"}, "role": {"owner"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("create an owner: %d", r.Status)
		}
		if _, err := s.Store.MemberByUsername(context.Background(), gatehouse.DefaultOrgID, "boss"); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("an administrator created an owner: %v", err)
		}
		r = admin.Submit("/admin/api-keys", "/admin/api-keys", url.Values{"name": {"root"}, "role": {"owner"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("create an owner key: %d", r.Status)
		}
		if keys, _ := s.Store.APIKeys(context.Background(), gatehouse.DefaultOrgID); len(keys) != 0 {
			t.Errorf("an administrator created an owner key: %v", keys)
		}
		_, ownerKey, _ := s.App.APIKeys.Create(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, "root", gatehouse.RoleOwner)
		r = admin.Submit("/admin/api-keys", "/admin/api-keys/"+ownerKey.ID+"/revoke", nil)
		if r.Status != http.StatusForbidden {
			t.Errorf("revoke an owner key: %d", r.Status)
		}
		if k, _ := s.Store.APIKey(context.Background(), gatehouse.DefaultOrgID, ownerKey.ID); k.Revoked() {
			t.Error("an administrator revoked an owner key")
		}

		// What administrators may do: manage administrators and members, look
		// at owners, and check an owner's support PIN for the service desk.
		ap := "/admin/members/" + o.Admin.ID
		if r := admin.Submit(ap, ap+"/profile", url.Values{"name": {"Adam A"}, "email": {"adam@example.com"}, "role": {"administrator"}, "state": {"active"}}); r.Status != http.StatusSeeOther {
			t.Errorf("an administrator editing an administrator: %d\n%.400s", r.Status, r.Body)
		}
		if r := admin.Get(page); r.Status != http.StatusOK {
			t.Errorf("an administrator viewing an owner: %d", r.Status)
		}
		if r := admin.Submit(page, page+"/verify-pin", url.Values{"pin": {"482913"}}); r.Status != http.StatusOK || !strings.Contains(r.Body, "has not set a support PIN") {
			t.Errorf("an administrator checking an owner's PIN: %d", r.Status)
		}

		// The same changes by an owner go through (the last is the delete).
		owner := signedInAs(t, s, "olivia")
		second := s.AddMember(t, "otto", "otto@example.com", goodPassword, gatehouse.RoleOwner)
		sp := "/admin/members/" + second.ID
		for _, c := range ownerChanges {
			r := owner.Submit(sp, sp+c.page, c.form)
			if r.Status != http.StatusSeeOther {
				t.Errorf("owner: %s: %d\n%.400s", c.name, r.Status, r.Body)
			}
		}
		if _, err := s.Store.Member(context.Background(), gatehouse.DefaultOrgID, second.ID); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("the owner could not delete an owner: %v", err)
		}
	})
}

// TestOwnerProtectionAPI: an administrator key gets 403 for each owner-only
// change and nothing changes; an owner key may.
func TestOwnerProtectionAPI(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		signedInAs(t, s, "olivia")
		adminKey := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		for _, c := range ownerChanges {
			before := takeSnapshot(t, s, o.Owner.ID)
			r := apiRequest(t, s, adminKey, c.method, "/members/"+o.Owner.ID+c.api, c.body)
			wantProblem(t, c.name, r, http.StatusForbidden)
			if diff := cmp.Diff(before, takeSnapshot(t, s, o.Owner.ID)); diff != "" {
				t.Errorf("%s: the owner changed (-before +after):\n%s", c.name, diff)
			}
		}
		before := takeSnapshot(t, s, o.Member.ID)
		wantProblem(t, "promote to owner", apiRequest(t, s, adminKey, "PATCH", "/members/"+o.Member.ID, `{"role": "owner"}`), http.StatusForbidden)
		if diff := cmp.Diff(before, takeSnapshot(t, s, o.Member.ID)); diff != "" {
			t.Errorf("promote to owner changed the member:\n%s", diff)
		}
		wantProblem(t, "create an owner", apiRequest(t, s, adminKey, "POST", "/members", `{"username": "boss", "email": "boss@example.com", "role": "owner"}`), http.StatusForbidden)
		if r := apiRequest(t, s, adminKey, "GET", "/members/"+o.Owner.ID, ""); r.Status != http.StatusOK {
			t.Errorf("an administrator key reading an owner: %d", r.Status)
		}
		// In a bulk send the owner is skipped, the others are not.
		r := apiRequest(t, s, adminKey, "POST", "/activation-emails", `{"member_ids": ["`+o.Owner.ID+`", "`+o.Member.ID+`"]}`)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `"reason": "forbidden"`) || !strings.Contains(r.Body, `"sent": 1`) {
			t.Errorf("bulk send with an owner: %d %s", r.Status, r.Body)
		}
		// Every refused call is in the audit log with the key's name.
		refused := 0
		for _, e := range s.Audit(t, gatehouse.EventAPICall) {
			if e.ActorName == "crm" && e.Details["status"] == "403" {
				refused++
			}
		}
		if refused != len(ownerChanges)+2 {
			t.Errorf("%d refused API calls audited, want %d", refused, len(ownerChanges)+2)
		}

		ownerKey := newAPIKey(t, s, "root", gatehouse.RoleOwner)
		second := s.AddMember(t, "otto", "otto@example.com", goodPassword, gatehouse.RoleOwner)
		for _, c := range ownerChanges {
			r := apiRequest(t, s, ownerKey, c.method, "/members/"+second.ID+c.api, c.body)
			if r.Status >= 300 {
				t.Errorf("owner key: %s: %d %s", c.name, r.Status, r.Body)
			}
		}
	})
}

// TestLastOwner: nobody, not even an owner, can demote, disable, expire or
// delete the organization's last active owner; with a second active owner
// they can.
func TestLastOwner(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		owner := signedInAs(t, s, "olivia")
		key := newAPIKey(t, s, "root", gatehouse.RoleOwner)
		page := "/admin/members/" + o.Owner.ID
		// A second owner who cannot sign in does not count.
		disabled := s.AddMember(t, "otto", "otto@example.com", goodPassword, gatehouse.RoleOwner)
		if _, err := s.Admin.SetMemberState(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, disabled.ID, false); err != nil {
			t.Fatal(err)
		}
		for _, c := range ownerChanges {
			if c.name != "demote" && c.name != "disable" && c.name != "expire" && c.name != "expire-later" && c.name != "delete" {
				continue
			}
			before := takeSnapshot(t, s, o.Owner.ID)
			r := owner.Submit(page, page+c.page, c.form)
			if r.Status != http.StatusConflict || !strings.Contains(r.Body, "last active owner") {
				t.Errorf("page: %s the last owner: %d\n%.300s", c.name, r.Status, r.Body)
			}
			wantProblem(t, "API: "+c.name+" the last owner", apiRequest(t, s, key, c.method, "/members/"+o.Owner.ID+c.api, c.body), http.StatusConflict)
			if diff := cmp.Diff(before, takeSnapshot(t, s, o.Owner.ID)); diff != "" {
				t.Errorf("%s: the last owner changed:\n%s", c.name, diff)
			}
		}
		if _, err := s.Admin.SetMemberState(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, disabled.ID, true); err != nil {
			t.Fatal(err)
		}
		if r := apiRequest(t, s, key, "PATCH", "/members/"+o.Owner.ID, `{"role": "administrator"}`); r.Status != http.StatusOK {
			t.Errorf("demoting an owner while another is active: %d %s", r.Status, r.Body)
		}
		wantProblem(t, "demoting the new last owner", apiRequest(t, s, key, "PATCH", "/members/"+disabled.ID, `{"role": "administrator"}`), http.StatusConflict)
	})
}

// TestLastOwnerRace: two owners demote each other at the same time; the
// organization keeps one owner, whatever the interleaving.
func TestLastOwnerRace(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		for round := range 5 {
			a := s.AddMember(t, "a"+string(rune('0'+round)), "a@example.com", goodPassword, gatehouse.RoleOwner)
			b := s.AddMember(t, "b"+string(rune('0'+round)), "b@example.com", goodPassword, gatehouse.RoleOwner)
			role := gatehouse.RoleAdministrator
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, pair := range [][2]*gatehouse.Member{{a, b}, {b, a}} {
				wg.Go(func() {
					_, errs[i] = s.Admin.UpdateMember(context.Background(), gatehouse.MemberActor(pair[0]), gatehouse.Client{},
						gatehouse.DefaultOrgID, pair[1].ID, admin.ProfileUpdate{Role: &role})
				})
			}
			wg.Wait()
			n, err := s.Store.CountMembers(context.Background(), gatehouse.DefaultOrgID, gatehouse.RoleOwner, gatehouse.StateActive)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("round %d: %d owners left (errors %v)", round, n, errs)
			}
			// Leave no owner behind for the next round.
			for _, m := range []*gatehouse.Member{a, b} {
				if got := s.Member(t, m.ID); got.Role == gatehouse.RoleOwner {
					if err := s.Store.DeleteMember(context.Background(), gatehouse.DefaultOrgID, m.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	})
}
