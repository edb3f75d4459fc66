package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// settingsForm is the settings page's form as a browser would send it: every
// field with its current value, then the changes.
func settingsForm(t *testing.T, s *webtest.Server, changes map[string]string) url.Values {
	t.Helper()
	set, err := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID)
	if err != nil {
		t.Fatal(err)
	}
	f := url.Values{}
	for _, d := range gatehouse.SettingDefs {
		if !d.Secret {
			v, _ := set.Get(d.Name)
			f.Set(d.Name, v)
		}
	}
	for k, v := range changes {
		f.Set(k, v)
	}
	return f
}

func TestSettingsPage(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		b := signedInAs(t, s, "adam")
		page := b.Get("/admin/settings")
		for _, g := range gatehouse.SettingGroups {
			if !strings.Contains(page.Body, ">"+g+"</h2>") {
				t.Errorf("group %s missing", g)
			}
		}
		for _, d := range gatehouse.SettingDefs {
			if !strings.Contains(page.Body, `id="setting-`+d.Name+`"`) {
				t.Errorf("setting %s missing", d.Name)
			}
		}
		if !strings.Contains(page.Body, "A whole number from 8 to 64.") || !strings.Contains(page.Body, "From 5 minutes to 1 day.") {
			t.Error("the allowed ranges are not shown")
		}

		// Out of range: refused, named next to its field with the range, nothing saved.
		r := b.Post("/admin/settings", settingsForm(t, s, map[string]string{"password_min_length": "5", "reset_link_ttl": "3d", "organization_name": "Acme"}))
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("out of range: %d", r.Status)
		}
		if e := htmlBetween(r.Body, `id="password_min_length-error"`, "</p>"); !strings.Contains(e, "from 8 to 64") {
			t.Errorf("the error next to password_min_length: %q", e)
		}
		if e := htmlBetween(r.Body, `id="reset_link_ttl-error"`, "</p>"); !strings.Contains(e, "from 5 minutes to 1 day") {
			t.Errorf("the error next to reset_link_ttl: %q", e)
		}
		if !strings.Contains(r.Body, `value="5"`) {
			t.Error("the refused value is not shown again")
		}
		if set, _ := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID); set.OrganizationName != "Gatehouse" || set.PasswordMinLength != 15 {
			t.Errorf("a refused form saved something: %q %d", set.OrganizationName, set.PasswordMinLength)
		}

		// Valid: saved and audited old → new; a secret is write-only.
		r = b.Post("/admin/settings", settingsForm(t, s, map[string]string{"password_min_length": "12", "captcha_secret": "s3cret-value"}))
		if r.Status != http.StatusSeeOther || r.Location != "/admin/settings?done=settings_saved" {
			t.Fatalf("save: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		set, _ := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID)
		if set.PasswordMinLength != 12 || set.CaptchaSecret != "s3cret-value" {
			t.Errorf("saved: %d %q", set.PasswordMinLength, set.CaptchaSecret)
		}
		evs := s.Audit(t, gatehouse.EventSettingsChanged)
		got := map[string]string{}
		for _, e := range evs {
			got[e.Details["setting"]] = e.Details["old"] + " → " + e.Details["new"]
			if e.ActorName != "adam" {
				t.Errorf("changed by %q", e.ActorName)
			}
		}
		if got["password_min_length"] != "15 → 12" || got["captcha_secret"] != "(not set) → (set)" || len(got) != 2 {
			t.Errorf("audited changes: %v", got)
		}
		page = b.Get("/admin/settings")
		if strings.Contains(page.Body, "s3cret-value") || !strings.Contains(page.Body, "A value is set") {
			t.Error("the secret is shown, or not said to be set")
		}
		// An empty secret field keeps the secret; the box clears it.
		b.Post("/admin/settings", settingsForm(t, s, nil))
		if set, _ := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID); set.CaptchaSecret != "s3cret-value" {
			t.Error("saving the form without the secret cleared it")
		}
		b.Post("/admin/settings", settingsForm(t, s, map[string]string{"clear_captcha_secret": "on"}))
		if set, _ := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID); set.CaptchaSecret != "" {
			t.Error("the clear box did not clear the secret")
		}
	})
}

func TestSettingsAPI(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		r := apiRequest(t, s, key, "PATCH", "/settings", `{"password_min_length": 5, "two_factor": "sometimes"}`)
		wantProblem(t, "out of range", r, http.StatusUnprocessableEntity)
		var p struct {
			Errors []gatehouse.FieldError `json:"errors"`
		}
		decodeJSONBody(t, r, &p)
		if len(p.Errors) != 2 || p.Errors[0].Field != "password_min_length" || p.Errors[0].Code != "out_of_range" ||
			!strings.Contains(p.Errors[0].Message, "from 8 to 64") || p.Errors[1].Field != "two_factor" ||
			!strings.Contains(p.Errors[1].Message, `"off", "optional", "required"`) {
			t.Errorf("errors: %+v", p.Errors)
		}
		wantProblem(t, "unknown setting", apiRequest(t, s, key, "PATCH", "/settings", `{"password_min_lenght": 12}`), http.StatusUnprocessableEntity)
		wantProblem(t, "an object as a value", apiRequest(t, s, key, "PATCH", "/settings", `{"password_min_length": {"x": 1}}`), http.StatusUnprocessableEntity)
		wantProblem(t, "null", apiRequest(t, s, key, "PATCH", "/settings", `{"password_min_length": null}`), http.StatusUnprocessableEntity)
		if set, _ := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID); set.PasswordMinLength != 15 {
			t.Fatal("a refused change was saved")
		}
		r = apiRequest(t, s, key, "PATCH", "/settings", `{"password_min_length": 12, "forgot_password_enabled": false, "reset_link_ttl": "1h", "captcha_secret": "s3cret"}`)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `"old": "15"`) || !strings.Contains(r.Body, `"new": "12"`) {
			t.Fatalf("change: %d %s", r.Status, r.Body)
		}
		if strings.Contains(r.Body, "s3cret") {
			t.Error("the answer shows a secret")
		}
		set, _ := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID)
		if set.PasswordMinLength != 12 || set.ForgotPasswordEnabled || set.ResetLinkTTL.String() != "1h0m0s" {
			t.Errorf("saved %+v", set)
		}
		if n := countActor(s.Audit(t, gatehouse.EventSettingsChanged), gatehouse.ActorAPIKey, "crm"); n != 4 {
			t.Errorf("%d changes audited with the key's name, want 4", n)
		}
		r = apiRequest(t, s, key, "GET", "/settings", "")
		if r.Status != http.StatusOK || strings.Contains(r.Body, "s3cret") {
			t.Fatalf("read: %d", r.Status)
		}
		var list struct {
			Settings []struct {
				Name  string  `json:"name"`
				Value *string `json:"value"`
				Set   *bool   `json:"set"`
				Min   *int64  `json:"min"`
				Max   *int64  `json:"max"`
			} `json:"settings"`
		}
		decodeJSONBody(t, r, &list)
		if len(list.Settings) != len(gatehouse.SettingDefs) {
			t.Errorf("%d settings, want %d", len(list.Settings), len(gatehouse.SettingDefs))
		}
		for _, x := range list.Settings {
			switch x.Name {
			case "captcha_secret":
				if x.Value != nil || x.Set == nil || !*x.Set {
					t.Errorf("secret: value %v set %v", x.Value, x.Set)
				}
			case "password_min_length":
				if *x.Value != "12" || *x.Min != 8 || *x.Max != 64 {
					t.Errorf("password_min_length: %v %v %v", *x.Value, *x.Min, *x.Max)
				}
			}
		}
	})
}

// TestSenderAddressValidated: values that are not a bare email address, which
// would leave every email and code stuck in the queue, are refused with 422
// naming mail_from_address, on the settings page and through the API; nothing
// is saved. A good one is saved, and mail goes from it.
func TestSenderAddressValidated(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		b := signedInAs(t, s, "adam")
		b.Get("/admin/settings")
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		for _, bad := range []string{"not an address", "recovery@", "@example.com", "Recovery <recovery@example.com>",
			"<recovery@example.com>", "a@b@example.com", "recovery@example.com, other@example.com", "recovery@example.com\r\nBcc: x@example.com", ""} {
			r := b.Post("/admin/settings", settingsForm(t, s, map[string]string{"mail_from_address": bad}))
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("page, %q: %d, want 422", bad, r.Status)
			} else if e := htmlBetween(r.Body, `id="mail_from_address-error"`, "</p>"); !strings.Contains(e, "email address") {
				t.Errorf("page, %q: the error next to the field says %q", bad, e)
			}
			body, _ := json.Marshal(map[string]string{"mail_from_address": bad})
			r = apiRequest(t, s, key, "PATCH", "/settings", string(body))
			wantProblem(t, "API "+bad, r, http.StatusUnprocessableEntity)
			var p struct {
				Errors []gatehouse.FieldError `json:"errors"`
			}
			decodeJSONBody(t, r, &p)
			if len(p.Errors) != 1 || p.Errors[0].Field != "mail_from_address" || p.Errors[0].Code != "invalid" {
				t.Errorf("API, %q: errors %+v", bad, p.Errors)
			}
			if set, _ := s.Account.Settings(t.Context(), gatehouse.DefaultOrgID); set.MailFromAddress != "gatehouse@localhost" {
				t.Fatalf("%q was saved: %q", bad, set.MailFromAddress)
			}
		}
		if r := apiRequest(t, s, key, "PATCH", "/settings", `{"mail_from_address": "recovery@example.com"}`); r.Status != http.StatusOK {
			t.Fatalf("a good address: %d\n%s", r.Status, r.Body)
		}
		s.Browser(t).RequestReset("mia", nil)
		if got := s.SMTP.WaitFor(t, 1, 20*time.Second)[0].From; got != "recovery@example.com" {
			t.Errorf("mail went from %q", got)
		}
	})
}
