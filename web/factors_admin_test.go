package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// factorSettings: second factors optional, browsers trusted for 30 days, and
// administrators under the rule of everyone, so that they sign in with the
// password alone here.
var factorSettings = map[string]string{"two_factor": "optional", "trusted_device_days": "30", "two_factor_for_administrators": "inherit"}

// withApp adds a member of the role who sets up an app (and gets ten
// recovery codes); it returns the app's secret.
func (s *tfServer) withApp(t *testing.T, username string, role gatehouse.Role) (*gatehouse.Member, string) {
	t.Helper()
	m := s.AddMember(t, username, username+"@example.com", goodPassword, role)
	b := s.Browser(t)
	b.SignIn(username, goodPassword, "/account")
	sec, _ := enrol(t, s, b)
	s.Clock.Advance(time.Minute) // past the step of the enrolment code
	return m, sec
}

// notices counts the security notices queued for m.
func (s *tfServer) notices(t *testing.T, m *gatehouse.Member) int {
	t.Helper()
	ms, _, err := s.Store.Messages(context.Background(), m.OrgID, gatehouse.MessageFilter{MemberID: m.ID, Channel: gatehouse.ChannelEmail, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range ms {
		if x.Kind == gatehouse.KindSecurityNotice {
			n++
		}
	}
	return n
}

// TestAdminManagesSecondFactors: from the member page, behind a confirmation
// each, an administrator stops trusting a member's browsers, invalidates
// their recovery codes and removes their app; each is audited with the
// administrator as the actor and emailed to the member, and asked a second
// time does nothing. An administrator cannot do it to an owner.
func TestAdminManagesSecondFactors(t *testing.T) {
	eachTwoFactor(t, factorSettings, func(t *testing.T, s *tfServer) {
		s.addAdmin(t, "admin")
		ada, sec := s.withApp(t, "ada", gatehouse.RoleMember)
		c := s.Browser(t)
		c.SignIn("ada", goodPassword, "/login/verify")
		wantStatus(t, "app with trust", verify(c, "app", totpAt(t, sec, s.Clock.Now(), 0), true), http.StatusSeeOther, "/account")
		olga, _ := s.withApp(t, "olga", gatehouse.RoleOwner)
		ctx := t.Context()
		before := s.notices(t, ada)

		admin := s.Browser(t)
		admin.SignIn("admin", goodPassword, "/account")
		page := "/admin/members/" + ada.ID
		wantBody(t, "the member page", admin.Get(page), "Remove the authenticator app…", "Invalidate the recovery codes…", "Stop trusting every browser…",
			`action="/admin/members/`+ada.ID+`/trusted-browsers/remove"`, "Trusted browsers: 1")

		for _, step := range []struct{ path, done string }{
			{"trusted-browsers", "browsers_forgotten"}, {"recovery-codes", "recovery_codes_invalidated"}, {"authenticator", "app_removed"},
		} {
			r := admin.Submit(page, page+"/"+step.path+"/remove", nil)
			wantStatus(t, step.path, r, http.StatusSeeOther, page+"?done="+step.done)
			r = admin.Post(page+"/"+step.path+"/remove", nil)
			wantStatus(t, step.path+" again", r, http.StatusSeeOther, page+"?done=unchanged")
		}
		if d, _ := s.TwoFactor.TrustedDevices(ctx, ada); len(d) != 0 {
			t.Errorf("trusted browsers left: %d", len(d))
		}
		if n, _ := s.Store.RecoveryCodesLeft(ctx, ada.OrgID, ada.ID); n != 0 {
			t.Errorf("recovery codes left: %d", n)
		}
		if _, err := s.Store.Authenticator(ctx, ada.OrgID, ada.ID); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("the app is still there: %v", err)
		}
		byAdmin := map[string]int{}
		for _, e := range s.Audit(t, gatehouse.EventMethodRemoved, gatehouse.EventDeviceRevoked) {
			if e.MemberID == ada.ID && e.ActorName == "admin" {
				byAdmin[string(e.Type)+" "+e.Details["method"]+e.Details["reason"]]++
			}
		}
		for _, k := range []string{"device.revoked administrator", "second_factor.removed recovery_codesadministrator", "second_factor.removed totpadministrator"} {
			if byAdmin[k] != 1 {
				t.Errorf("audit %q by the administrator: %d, want 1 (%v)", k, byAdmin[k], byAdmin)
			}
		}
		if n := s.notices(t, ada) - before; n != 3 {
			t.Errorf("%d security notices to ada, want 3 (one per change, none for a second request)", n)
		}
		s.waitNotice(t, "ada@example.com", "trusted browsers forgotten", "recovery codes invalidated", "authenticator app removed")

		wantBody(t, "an owner's page", admin.Get("/admin/members/"+olga.ID), "Only an owner changes an owner")
		for _, path := range []string{"trusted-browsers", "recovery-codes", "authenticator"} {
			r := admin.Post("/admin/members/"+olga.ID+"/"+path+"/remove", nil)
			wantStatus(t, "an administrator on an owner's "+path, r, http.StatusForbidden, "")
		}
		if _, err := s.Store.Authenticator(ctx, olga.OrgID, olga.ID); err != nil {
			t.Errorf("the owner's app: %v", err)
		}
		if n, _ := s.Store.RecoveryCodesLeft(ctx, olga.OrgID, olga.ID); n != 10 {
			t.Errorf("the owner's recovery codes: %d, want 10", n)
		}
	})
}

// TestAPIManagesSecondFactors: the same through the management API, with
// how many things each request changed; an administrator's key cannot touch
// an owner's.
func TestAPIManagesSecondFactors(t *testing.T) {
	eachTwoFactor(t, factorSettings, func(t *testing.T, s *tfServer) {
		ada, _ := s.withApp(t, "ada", gatehouse.RoleMember)
		olga, _ := s.withApp(t, "olga", gatehouse.RoleOwner)
		key := newAPIKey(t, s.Server, "desk", gatehouse.RoleAdministrator)
		before := s.notices(t, ada)
		for _, tc := range []struct{ path, first, again string }{
			{"authenticator", `"removed": 1`, `"removed": 0`},
			{"recovery-codes", `"invalidated": 10`, `"invalidated": 0`},
			{"trusted-browsers", `"forgotten": 0`, `"forgotten": 0`},
		} {
			r := apiRequest(t, s.Server, key, "DELETE", "/members/"+ada.ID+"/"+tc.path, "")
			if r.Status != http.StatusOK || !strings.Contains(r.Body, tc.first) {
				t.Errorf("DELETE %s: %d %s, want %s", tc.path, r.Status, r.Body, tc.first)
			}
			r = apiRequest(t, s.Server, key, "DELETE", "/members/"+ada.ID+"/"+tc.path, "")
			if r.Status != http.StatusOK || !strings.Contains(r.Body, tc.again) {
				t.Errorf("DELETE %s again: %d %s, want %s", tc.path, r.Status, r.Body, tc.again)
			}
			r = apiRequest(t, s.Server, key, "DELETE", "/members/"+olga.ID+"/"+tc.path, "")
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "application/problem+json") && !strings.Contains(r.Header.Get("Content-Type"), "problem+json") {
				t.Errorf("DELETE an owner's %s with an administrator's key: %d %s", tc.path, r.Status, r.Body)
			}
		}
		if n := s.notices(t, ada) - before; n != 2 {
			t.Errorf("%d security notices to ada, want 2 (app, codes)", n)
		}
		if _, err := s.Store.Authenticator(t.Context(), olga.OrgID, olga.ID); err != nil {
			t.Errorf("the owner's app: %v", err)
		}
		if r := apiRequest(t, s.Server, key, "DELETE", "/members/nobody/authenticator", ""); r.Status != http.StatusNotFound {
			t.Errorf("an unknown member: %d", r.Status)
		}
	})
}

// waitNotice waits until the mail sent to addr says each of want.
func (s *tfServer) waitNotice(t *testing.T, addr string, want ...string) {
	t.Helper()
	var texts string
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		texts = ""
		for _, m := range s.SMTP.Messages() {
			if len(m.To) > 0 && m.To[0] == addr {
				texts += m.Subject + "\n" + m.Text
			}
		}
		if containsAll(texts, want...) {
			return
		}
	}
	t.Errorf("the mail to %s does not say all of %q:\n%s", addr, want, texts)
}

// TestRemoveAppAndRequireSetup: after an administrator removes a member's app
// and asks for a second factor at the next sign-in, the member's next
// sign-in goes from the password to /login/setup; once they set up an app
// the sign-in goes on and the request is cleared. The API asks the same, once.
func TestRemoveAppAndRequireSetup(t *testing.T) {
	eachTwoFactor(t, factorSettings, func(t *testing.T, s *tfServer) {
		s.addAdmin(t, "admin")
		ada, _ := s.withApp(t, "ada", gatehouse.RoleMember)
		olga, _ := s.withApp(t, "olga", gatehouse.RoleOwner)
		admin := s.Browser(t)
		admin.SignIn("admin", goodPassword, "/account")
		page := "/admin/members/" + ada.ID
		wantBody(t, "the member page", admin.Get(page), "Require a second factor at the next sign-in…")
		wantStatus(t, "remove the app", admin.Submit(page, page+"/authenticator/remove", nil), http.StatusSeeOther, page+"?done=app_removed")
		wantStatus(t, "require setup", admin.Submit(page, page+"/second-factor-setup", nil), http.StatusSeeOther, page+"?done=setup_required")
		wantStatus(t, "require setup again", admin.Post(page+"/second-factor-setup", nil), http.StatusSeeOther, page+"?done=unchanged")
		wantBody(t, "the member page after", admin.Get(page), "Sets up a second factor at the next sign-in")
		wantStatus(t, "an administrator on an owner", admin.Post("/admin/members/"+olga.ID+"/second-factor-setup", nil), http.StatusForbidden, "")
		s.waitNotice(t, "ada@example.com", "authenticator app removed", "second factor to set up at the next sign-in")

		b := s.Browser(t)
		b.SignIn("ada", goodPassword, "/login/setup")
		wantBody(t, "the setup page", b.Get("/login/setup"), "asks you to set up a second factor", `id="setup-app"`)
		if r := b.Get("/account"); r.Status == http.StatusOK {
			t.Error("the account page is reachable before the setup")
		}
		s.Clock.Advance(time.Minute)
		enrolAtSetupAsked(t, s, b)
		r := b.Submit("/login/setup", "/login/setup", nil)
		wantStatus(t, "continue", r, http.StatusSeeOther, "/account")
		if m, _ := s.Store.Member(t.Context(), ada.OrgID, ada.ID); m.MustSetUpSecondFactor {
			t.Error("the request is still there after the setup")
		}

		key := newAPIKey(t, s.Server, "desk", gatehouse.RoleAdministrator)
		for _, want := range []string{`"requested": 1`, `"requested": 0`} {
			r := apiRequest(t, s.Server, key, "POST", "/members/"+ada.ID+"/second-factor-setup", "")
			if r.Status != http.StatusOK || !strings.Contains(r.Body, want) {
				t.Errorf("POST second-factor-setup: %d %s, want %s", r.Status, r.Body, want)
			}
		}
		if r := apiRequest(t, s.Server, key, "GET", "/members/"+ada.ID, ""); !strings.Contains(r.Body, `"must_set_up_second_factor": true`) {
			t.Errorf("the member's record in the API does not show the request:\n%s", r.Body)
		}
		if r := apiRequest(t, s.Server, key, "POST", "/members/"+olga.ID+"/second-factor-setup", ""); r.Status != http.StatusForbidden {
			t.Errorf("an administrator's key on an owner: %d", r.Status)
		}
		if m, _ := s.Store.Member(t.Context(), olga.OrgID, olga.ID); m.MustSetUpSecondFactor {
			t.Error("the owner was asked by an administrator's key")
		}
	})
}

// enrolAtSetupAsked sets up an app from /login/setup for a member asked to.
func enrolAtSetupAsked(t *testing.T, s *tfServer, b *webtest.Browser) {
	t.Helper()
	r := b.Submit("/account/two-factor", "/account/two-factor/app", url.Values{"current_password": {goodPassword}})
	wantStatus(t, "start enrolment at setup", r, http.StatusSeeOther, "/account/two-factor")
	m := totpSecretRe.FindStringSubmatch(b.Get("/account/two-factor").Body)
	if m == nil {
		t.Fatal("no secret on the enrolment page at setup")
	}
	sec := strings.ReplaceAll(m[1], " ", "")
	r = b.Post("/account/two-factor/app/confirm", url.Values{"code": {totpAt(t, sec, s.Clock.Now(), 0)}})
	wantStatus(t, "confirm enrolment at setup", r, http.StatusSeeOther, "/account/two-factor/recovery-codes")
	wantBody(t, "setup done", b.Get("/login/setup"), `id="setup-continue"`)
}

// TestFactorNoticeInTheMembersLanguage: the security notice of an
// administrator's change speaks the member's language.
func TestFactorNoticeInTheMembersLanguage(t *testing.T) {
	eachTwoFactor(t, factorSettings, func(t *testing.T, s *tfServer) {
		ada, _ := s.withApp(t, "ada", gatehouse.RoleMember)
		de := "de"
		if err := s.Store.ChangeMember(t.Context(), ada.OrgID, ada.ID, gatehouse.MemberChange{Language: &de, UpdatedAt: s.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		key := newAPIKey(t, s.Server, "desk", gatehouse.RoleAdministrator)
		if r := apiRequest(t, s.Server, key, "DELETE", "/members/"+ada.ID+"/recovery-codes", ""); r.Status != http.StatusOK {
			t.Fatalf("DELETE recovery-codes: %d %s", r.Status, r.Body)
		}
		s.waitNotice(t, "ada@example.com", "Ihre Wiederherstellungscodes wurden ungültig gemacht")
	})
}
