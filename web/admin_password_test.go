package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

const adminSetPassword = "granite meadow lantern fjord"

// checkPasswordSetNow checks S25 after an administrator set mia's password to
// adminSetPassword with must-change: the old password is dead, every session of
// hers ended, the new one signs in to the forced renewal, she got a notice.
func checkPasswordSetNow(t *testing.T, s *webtest.Server, m *gatehouse.Member, sessions []*webtest.Browser) {
	t.Helper()
	for i, b := range sessions {
		if r := b.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
			t.Errorf("session %d survived: %d", i, r.Status)
		}
	}
	if n := sessionsOf(t, s, m); n != 0 {
		t.Errorf("%d sessions left in the database", n)
	}
	fresh := s.Browser(t)
	if r := fresh.Submit("/login", "/login", url.Values{"identifier": {"mia"}, "password": {goodPassword}}); r.Status != http.StatusUnauthorized {
		t.Errorf("the old password still works: %d", r.Status)
	}
	fresh.SignIn("mia", adminSetPassword, "/login/renew")
	got := s.Member(t, m.ID)
	if !got.MustChangePassword || !got.PasswordChangedAt.Equal(s.Clock.Now()) || got.PasswordHash == m.PasswordHash {
		t.Errorf("after set: must change %v, changed %v", got.MustChangePassword, got.PasswordChangedAt)
	}
	msg := s.SMTP.WaitFor(t, 1, 10*time.Second)[0]
	if msg.To[0] != "mia@example.com" || !strings.Contains(strings.ToLower(msg.Subject), "password") {
		t.Errorf("notice: %v %q", msg.To, msg.Subject)
	}
	if len(s.Audit(t, gatehouse.EventAdminPasswordSet)) != 1 || len(s.Audit(t, gatehouse.EventPasswordChanged)) != 1 {
		t.Error("not audited")
	}
}

func TestSetPasswordNowPage(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		sessions := []*webtest.Browser{signedInAs(t, s, "mia"), signedInAs(t, s, "mia@example.com")}
		admin := signedInAs(t, s, "adam")
		page := "/admin/members/" + o.Member.ID

		// Refusals first: every unmet rule named next to the field, nothing changed.
		r := admin.Submit(page, page+"/password", url.Values{"password": {"password"}, "confirm_password": {"password"}, "must_change": {"on"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="password-error"`) ||
			!strings.Contains(r.Body, "at least 15 characters") || !strings.Contains(r.Body, "common or breached") {
			t.Errorf("weak password: %d\n%s", r.Status, htmlBetween(r.Body, `id="password"`, "</form>"))
		}
		r = admin.Submit(page, page+"/password", url.Values{"password": {goodPassword}, "confirm_password": {goodPassword}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "last 5 passwords") {
			t.Errorf("the current password again: %d", r.Status)
		}
		r = admin.Submit(page, page+"/password", url.Values{"password": {adminSetPassword}, "confirm_password": {"other"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not the same") {
			t.Errorf("mismatch: %d", r.Status)
		}
		if got := s.Member(t, o.Member.ID); got.PasswordHash != o.Member.PasswordHash || sessionsOf(t, s, o.Member) != 2 {
			t.Fatal("a refused password changed something")
		}

		r = admin.Submit(page, page+"/password", url.Values{"password": {adminSetPassword}, "confirm_password": {adminSetPassword}, "must_change": {"on"}})
		if r.Status != http.StatusSeeOther || r.Location != page+"?done=password_set" {
			t.Fatalf("set: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		checkPasswordSetNow(t, s, o.Member, sessions)
	})
}

func TestSetPasswordNowAPI(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		if _, err := s.Admin.UpdateSettings(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID,
			map[string]string{"password_require_digit": "on"}); err != nil {
			t.Fatal(err)
		}
		sessions := []*webtest.Browser{signedInAs(t, s, "mia"), signedInAs(t, s, "mia")}
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		path := "/members/" + o.Member.ID + "/password"

		r := apiRequest(t, s, key, "PUT", path, `{"password": "password", "must_change": true}`)
		wantProblem(t, "weak password", r, http.StatusUnprocessableEntity)
		var p struct {
			Errors []gatehouse.FieldError `json:"errors"`
		}
		decodeJSONBody(t, r, &p)
		var codes []string
		for _, e := range p.Errors {
			if e.Field != "password" || e.Message == "" {
				t.Errorf("error entry %+v", e)
			}
			codes = append(codes, e.Code)
		}
		if strings.Join(codes, ",") != "too_short,missing_digit,common" {
			t.Errorf("codes %v, want one per unmet rule: too_short, missing_digit, common", codes)
		}
		r = apiRequest(t, s, key, "PUT", path, `{"password": "`+goodPassword+`"}`)
		wantProblem(t, "current password", r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.Body, `"code":"missing_digit"`) {
			t.Errorf("goodPassword has no digit: %s", r.Body)
		}
		wantProblem(t, "no password", apiRequest(t, s, key, "PUT", path, `{"must_change": true}`), http.StatusUnprocessableEntity)
		if sessionsOf(t, s, o.Member) != 2 {
			t.Fatal("a refused password ended sessions")
		}
		const withDigit = adminSetPassword + " 7"
		if r := apiRequest(t, s, key, "PUT", path, `{"password": "`+withDigit+`", "must_change": true}`); r.Status != http.StatusNoContent {
			t.Fatalf("set: %d %s", r.Status, r.Body)
		}
		for i, b := range sessions {
			if r := b.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
				t.Errorf("session %d survived: %d", i, r.Status)
			}
		}
		fresh := s.Browser(t)
		if r := fresh.Submit("/login", "/login", url.Values{"identifier": {"mia"}, "password": {goodPassword}}); r.Status != http.StatusUnauthorized {
			t.Errorf("the old password still works: %d", r.Status)
		}
		fresh.SignIn("mia", withDigit, "/login/renew")
		// The same password again is now the current one: refused as reused.
		r = apiRequest(t, s, key, "PUT", path, `{"password": "`+withDigit+`"}`)
		if !strings.Contains(r.Body, `"code":"reused"`) {
			t.Errorf("reuse: %d %s", r.Status, r.Body)
		}
		evs := s.Audit(t, gatehouse.EventPasswordChanged)
		if len(evs) != 1 || evs[0].ActorName != "crm" || evs[0].Details["via"] != "api" {
			t.Errorf("audit: %+v", evs)
		}
	})
}
