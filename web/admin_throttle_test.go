package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// throttle signs in as identifier with wrong passwords until the account is
// throttled, and fails the test if it never is.
func throttle(t *testing.T, s *webtest.Server, identifier string) {
	t.Helper()
	for i := 0; i < 20; i++ {
		b := s.Browser(t)
		r := b.Submit("/login", "/login", url.Values{"identifier": {identifier}, "password": {"not the password"}})
		if r.Status == http.StatusTooManyRequests {
			return
		}
	}
	t.Fatalf("%s was never throttled", identifier)
}

// canSignIn reports whether identifier signs in with the right password now.
func canSignIn(t *testing.T, s *webtest.Server, identifier string) bool {
	t.Helper()
	b := s.Browser(t)
	r := b.Submit("/login", "/login", url.Values{"identifier": {identifier}, "password": {goodPassword}})
	return r.Status == http.StatusSeeOther
}

// TestLiftThrottleFromMemberPage: the member page shows that a member is
// throttled; an administrator lifts it, the member signs in at once, and the
// lift is audited. An administrator cannot lift an owner's throttle; an owner
// can.
func TestLiftThrottleFromMemberPage(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		org := newAdminOrg(t, s)
		admin := signedInAs(t, s, "adam")
		page := "/admin/members/" + org.Member.ID
		wantBody := func(what string, r *webtest.Response, want ...string) {
			t.Helper()
			for _, w := range want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("%s: the page does not say %q", what, w)
				}
			}
		}
		wantBody("before", admin.Get(page), `<dd id="m-throttle">not throttled</dd>`)
		if strings.Contains(admin.Get(page).Body, `id="lift-throttle"`) {
			t.Error("a lift button for a member with no failures")
		}

		throttle(t, s, "mia")
		if canSignIn(t, s, "mia") {
			t.Fatal("the right password got through the throttle")
		}
		p := admin.Get(page)
		wantBody("throttled", p, `<span class="tag bad">throttled</span> until`, "recent failed tries", `id="lift-throttle"`)

		r := admin.Post(page+"/throttle/lift", nil)
		if r.Status != http.StatusSeeOther || r.Location != page+"?done=throttle_lifted" {
			t.Fatalf("lift: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		wantBody("after", admin.Follow(r), "they may sign in at once", `<dd id="m-throttle">not throttled</dd>`)
		if !canSignIn(t, s, "mia") {
			t.Error("the member cannot sign in after the lift")
		}
		evs := s.Audit(t, gatehouse.EventThrottleLifted)
		if len(evs) != 1 || evs[0].MemberID != org.Member.ID || evs[0].ActorID != org.Admin.ID ||
			evs[0].Details["was_throttled"] != "true" || evs[0].Details["failures"] == "0" || evs[0].RequestID != r.Header.Get("X-Request-Id") {
			t.Errorf("throttle.lifted: %+v", evs)
		}

		// Owners' throttles are the owners' business.
		throttle(t, s, "olivia")
		ownerPage := "/admin/members/" + org.Owner.ID
		p = admin.Get(ownerPage)
		wantBody("owner's page", p, `<span class="tag bad">throttled</span>`)
		if strings.Contains(p.Body, `id="lift-throttle"`) {
			t.Error("an administrator is offered to lift an owner's throttle")
		}
		if r := admin.Post(ownerPage+"/throttle/lift", nil); r.Status != http.StatusForbidden {
			t.Errorf("an administrator lifted an owner's throttle: %d", r.Status)
		}
		if canSignIn(t, s, "olivia") || len(s.Audit(t, gatehouse.EventThrottleLifted)) != 1 {
			t.Fatal("the refused lift lifted or was audited as a lift")
		}
		owner := s.Browser(t)
		// Another owner would sign in normally; here the only owner is
		// throttled, so the second owner is made for the purpose.
		s.AddMember(t, "otto", "otto@example.com", goodPassword, gatehouse.RoleOwner)
		owner.SignIn("otto", goodPassword, "/account")
		if r := owner.Submit(ownerPage, ownerPage+"/throttle/lift", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("an owner lifting an owner's throttle: %d", r.Status)
		}
		if !canSignIn(t, s, "olivia") {
			t.Error("the owner's throttle was not lifted")
		}
	})
}

// TestLiftThrottleAPI: DELETE /api/v1/members/{id}/throttle lifts every
// per-account counter — wrong second-factor answers as well as wrong
// passwords — with 204; an unknown member is 404 and an administrator key
// cannot lift an owner's.
func TestLiftThrottleAPI(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		owner := s.AddMember(t, "olivia", "olivia@example.com", goodPassword, gatehouse.RoleOwner)
		key := newAPIKey(t, s.Server, "crm", gatehouse.RoleAdministrator)
		m, err := s.Admin.MemberByUsername(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.DefaultOrgID, "alice")
		if err != nil {
			t.Fatal(err)
		}

		// Wrong second-factor answers until the member must wait.
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		_, code := s.smsCode(t, 1)
		throttled := false
		for i := 0; i < 20 && !throttled; i++ {
			throttled = verify(b, "recovery", "aaaa-bbbb-cccc-dddd", false).Status == http.StatusTooManyRequests
		}
		if !throttled {
			t.Fatal("wrong recovery codes were never throttled")
		}
		wantStatus(t, "the right code while throttled", verify(b, "code", code, false), http.StatusTooManyRequests, "")

		if r := apiRequest(t, s.Server, key, http.MethodDelete, "/members/"+m.ID+"/throttle", ""); r.Status != http.StatusNoContent {
			t.Fatalf("lift: %d\n%s", r.Status, r.Body)
		}
		wantStatus(t, "the right code after the lift", verify(b, "code", code, false), http.StatusSeeOther, "/account")
		evs := s.Audit(t, gatehouse.EventThrottleLifted)
		if len(evs) != 1 || evs[0].ActorKind != gatehouse.ActorAPIKey || evs[0].Details["via"] != "api" || evs[0].MemberID != m.ID {
			t.Errorf("throttle.lifted: %+v", evs)
		}

		wantProblem(t, "unknown member", apiRequest(t, s.Server, key, http.MethodDelete, "/members/nobody/throttle", ""), http.StatusNotFound)
		wantProblem(t, "an owner by an administrator key", apiRequest(t, s.Server, key, http.MethodDelete, "/members/"+owner.ID+"/throttle", ""), http.StatusForbidden)
		ownerKey := newAPIKey(t, s.Server, "ops", gatehouse.RoleOwner)
		if r := apiRequest(t, s.Server, ownerKey, http.MethodDelete, "/members/"+owner.ID+"/throttle", ""); r.Status != http.StatusNoContent {
			t.Errorf("an owner key: %d", r.Status)
		}
		if n := len(s.Audit(t, gatehouse.EventThrottleLifted)); n != 2 {
			t.Errorf("%d throttle.lifted events, want 2 (the refused lift is only an api.call)", n)
		}
	})
}
