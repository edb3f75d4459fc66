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

// TestMemberPreferences: a member's own language and time zone come before
// the browser's and the organization's, on pages and in the emails sent to
// them; the change is audited, and bad values are refused naming the field.
func TestMemberPreferences(t *testing.T) {
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"default_time_zone": "Europe/Berlin"}})
	m := s.AddMember(t, "ada", "ada@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	b.AcceptLanguage = "en"
	b.SignIn("ada", goodPassword, "/account")
	page := b.Get("/account")
	// The organization's zone: times in CET (the test clock is in winter) or CEST.
	if !strings.Contains(page.Body, `id="preferences"`) || !(strings.Contains(page.Body, " CET") || strings.Contains(page.Body, " CEST")) {
		t.Fatalf("account page: no preferences form or no time in the organization's zone\n%s", page.Body)
	}

	r := b.Post("/account/preferences", url.Values{"language": {"id"}, "time_zone": {"Asia/Jakarta"}})
	if r.Status != http.StatusSeeOther || r.Location != "/account?done=preferences_saved" {
		t.Fatalf("save: %d to %q", r.Status, r.Location)
	}
	page = b.Get("/account?done=preferences_saved")
	for _, want := range []string{`<html lang="id">`, "Akun Anda", "Bahasa dan zona waktu Anda telah disimpan.", " WIB", `value="Asia/Jakarta"`,
		`<option value="id" lang="id" selected>`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("after choosing Indonesian and Jakarta, the account page lacks %q", want)
		}
	}
	if got := s.Member(t, m.ID); got.Language != "id" || got.TimeZone != "Asia/Jakarta" {
		t.Errorf("stored %q %q", got.Language, got.TimeZone)
	}
	evs := s.Audit(t, gatehouse.EventPreferencesChanged)
	if len(evs) != 1 || evs[0].Details["language"] != "id" || evs[0].Details["old_language"] != "" || evs[0].MemberID != m.ID {
		t.Errorf("audit: %+v", evs)
	}
	// Saving the same again changes nothing and audits nothing.
	b.Post("/account/preferences", url.Values{"language": {"id"}, "time_zone": {"Asia/Jakarta"}})
	if n := len(s.Audit(t, gatehouse.EventPreferencesChanged)); n != 1 {
		t.Errorf("saving the same twice: %d events", n)
	}

	// An email to the member is in their language and zone, although the
	// browser that caused it asks for English.
	b.Get("/account/password")
	if r := b.Post("/account/password", url.Values{"current_password": {goodPassword}, "new_password": {"quiet harbour lantern fig"},
		"confirm_password": {"quiet harbour lantern fig"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("password change: %d\n%s", r.Status, r.Body)
	}
	mails := s.SMTP.WaitFor(t, 1, 10*time.Second)
	if got := mails[len(mails)-1]; !strings.Contains(got.Subject, "telah diubah") || !strings.Contains(got.Text, "WIB") {
		t.Errorf("password notice not in Indonesian with Jakarta time: %q\n%s", got.Subject, got.Text)
	}

	t.Run("bad values name the field", func(t *testing.T) {
		b.Get("/account")
		r := b.Post("/account/preferences", url.Values{"language": {"fr"}, "time_zone": {"../../etc/passwd"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="language-error"`) || !strings.Contains(r.Body, `id="time_zone-error"`) {
			t.Errorf("bad language and zone: %d\n%s", r.Status, r.Body)
		}
		if got := s.Member(t, m.ID); got.Language != "id" || got.TimeZone != "Asia/Jakarta" {
			t.Errorf("a refused change was stored: %q %q", got.Language, got.TimeZone)
		}
	})
	t.Run("needs the anti-forgery token", func(t *testing.T) {
		r := b.Post("/account/preferences", url.Values{"language": {"de"}, "csrf_token": {"forged"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("forged token: %d", r.Status)
		}
	})
	t.Run("back to automatic", func(t *testing.T) {
		b.Get("/account")
		b.Post("/account/preferences", url.Values{"language": {""}, "time_zone": {""}})
		b.AcceptLanguage = "es"
		if page := b.Get("/account"); !strings.Contains(page.Body, `<html lang="es">`) {
			t.Errorf("automatic language with Accept-Language es: %s", firstLine(page.Body, "<html"))
		}
	})
}
