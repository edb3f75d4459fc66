package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestSettingsSections: the page has a table of contents and one form per
// section; a section saves only its own settings (a switch left off turns
// its setting off), says so where it was saved, and marks what differs from
// the default. A refused value is named by its label, never its key, in a
// summary that links to the field.
func TestSettingsSections(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		b := signedInAs(t, s, "adam")
		page := b.Get("/admin/settings").Body
		for _, g := range gatehouse.SettingGroups {
			slug := strings.ToLower(strings.ReplaceAll(g, " ", "-"))
			if !strings.Contains(page, `<a href="#`+slug+`">`+g+`</a>`) || !strings.Contains(page, `id="save-`+slug+`"`) {
				t.Errorf("section %s has no entry in the contents or no save button of its own", g)
			}
		}
		if !strings.Contains(page, `id="password_min_length" name="password_min_length" type="number" min="8" max="64"`) {
			t.Error("a number setting is not a number input with its range")
		}
		if !strings.Contains(page, `type="checkbox" role="switch" id="allow_password_change"`) {
			t.Error("an on/off setting is not a switch")
		}
		if regexp.MustCompile(`\(S[0-9]+`).MatchString(page) {
			t.Error("the settings page shows requirement ids such as (S2)")
		}
		if strings.Contains(page, "changed from default") {
			t.Error("a fresh organization shows changes from the default")
		}
		// The Passwords section alone, with its first switch turned off.
		form := url.Values{"section": {"passwords"}, "password_min_length": {"12"}, "password_history": {"5"},
			"switches": {"allow_password_change", "password_require_lower"}}
		r := b.Post("/admin/settings", form)
		if r.Status != http.StatusSeeOther || r.Location != "/admin/settings?done=settings_saved&section=passwords" {
			t.Fatalf("save: %d %s", r.Status, r.Location)
		}
		set, _ := s.Account.Settings(context.Background(), gatehouse.DefaultOrgID)
		if set.PasswordMinLength != 12 || set.AllowPasswordChange || set.OrganizationName != "Gatehouse" {
			t.Errorf("after saving Passwords: min %d, change allowed %v, name %q", set.PasswordMinLength, set.AllowPasswordChange, set.OrganizationName)
		}
		page = b.Follow(r).Body
		if !strings.Contains(page, `id="passwords-saved"`) || strings.Count(page, `class="tag changed"`) != 2 {
			t.Errorf("after the save: saved notice %v, %d changed markers", strings.Contains(page, `id="passwords-saved"`), strings.Count(page, `class="tag changed"`))
		}
		// Refused: the label, not the key; a summary links to the field.
		r = b.Post("/admin/settings", url.Values{"section": {"passwords"}, "password_min_length": {"5"}, "password_history": {"500"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("out of range: %d", r.Status)
		}
		summary := htmlBetween(r.Body, `id="form-error"`, "</div>")
		if !strings.Contains(summary, "2 values are not allowed") || !strings.Contains(summary, `<a href="#password_min_length">Minimum length must be from 8 to 64.</a>`) {
			t.Errorf("summary: %s", summary)
		}
		if strings.Contains(r.Body, "password_min_length must") || strings.Contains(r.Body, "value(s)") {
			t.Error("the page speaks of setting keys or value(s)")
		}
	})
}
