package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/brand"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// An organization's own texts through the API: refused with the field named
// for an unknown language or key, a placeholder the message lacks, markup or
// too much text; stored ones are listed, audited, used on pages and in
// emails in their language only, and removed again.
func TestTextOverrides(t *testing.T) {
	webtest.Each(t, webtest.Options{NoWorker: true}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		key := newAPIKey(t, s, "brand", gatehouse.RoleAdministrator)
		for _, c := range []struct{ name, path, body, field string }{
			{"unknown language", "/brand/texts/fr/login.title", `{"text":"Connexion"}`, "language"},
			{"unknown key", "/brand/texts/de/login.nope", `{"text":"x"}`, "key"},
			{"extra placeholder", "/brand/texts/de/mail.reset.subject", `{"text":"{{.Org}} {{.Link}}"}`, "text"},
			{"markup", "/brand/texts/de/login.title", `{"text":"<b>Anmelden</b>"}`, "text"},
			{"too long", "/brand/texts/de/login.title", `{"text":"` + strings.Repeat("a", 1001) + `"}`, "text"},
			{"no text", "/brand/texts/de/login.title", `{}`, "text"},
		} {
			r := apiRequest(t, s, key, "PUT", c.path, c.body)
			wantProblem(t, c.name, r, http.StatusUnprocessableEntity)
			var p struct{ Errors []gatehouse.FieldError }
			_ = json.Unmarshal([]byte(r.Body), &p)
			if len(p.Errors) != 1 || p.Errors[0].Field != c.field {
				t.Errorf("%s: errors %+v, want one on %s", c.name, p.Errors, c.field)
			}
		}
		if n := len(s.Audit(t, gatehouse.EventTextChanged)); n != 0 {
			t.Fatalf("%d text changes audited before any was stored", n)
		}

		for path, text := range map[string]string{
			"/brand/texts/de/login.title":        "Bei Acme anmelden",
			"/brand/texts/de/mail.reset.subject": "Neues Acme-Passwort für {{.Org}}",
		} {
			if r := apiRequest(t, s, key, "PUT", path, `{"text":"`+text+`"}`); r.Status != http.StatusOK {
				t.Fatalf("PUT %s: %d %s", path, r.Status, r.Body)
			}
		}
		if r := apiRequest(t, s, key, "GET", "/brand/texts", ""); r.Status != http.StatusOK || !strings.Contains(strings.ReplaceAll(r.Body, " ", ""), `"original":"Anmelden"`) {
			t.Errorf("GET /brand/texts: %d %s", r.Status, r.Body)
		}
		if evs := s.Audit(t, gatehouse.EventTextChanged); len(evs) != 2 {
			t.Errorf("%d text changes audited, want 2", len(evs))
		}

		// The page in German says the organization's text; in English, the catalog's.
		de := s.Browser(t)
		de.AcceptLanguage = "de"
		if r := de.Get("/login"); !strings.Contains(r.Body, "<h1>Bei Acme anmelden</h1>") && !strings.Contains(r.Body, ">Bei Acme anmelden<") {
			t.Errorf("the German sign-in page lacks the override:\n%s", r.Body)
		}
		en := s.Browser(t)
		en.AcceptLanguage = "en"
		if r := en.Get("/login"); strings.Contains(r.Body, "Bei Acme anmelden") {
			t.Error("the English sign-in page shows the German override")
		}

		// So does the reset email, queued in the language of who asked.
		if r := de.RequestReset("mia", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("reset request: %d %s", r.Status, r.Body)
		}
		s.AddMember(t, "noah", "noah@example.com", goodPassword, gatehouse.RoleMember)
		if r := en.From("127.0.0.2").RequestReset("noah", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("reset request: %d %s", r.Status, r.Body)
		}
		subjects := map[string]string{}
		for _, m := range queued(t, s, gatehouse.KindReset) {
			subjects[m.To] = m.Subject
		}
		if got := subjects["mia@example.com"]; got != "Neues Acme-Passwort für Gatehouse" {
			t.Errorf("German reset subject = %q", got)
		}
		if got := subjects["noah@example.com"]; strings.Contains(got, "Acme") || got == "" {
			t.Errorf("English reset subject = %q", got)
		}

		wantProblem(t, "removing none", apiRequest(t, s, key, "DELETE", "/brand/texts/es/login.title", ""), http.StatusNotFound)
		if r := apiRequest(t, s, key, "DELETE", "/brand/texts/de/login.title", ""); r.Status != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s", r.Status, r.Body)
		}
		if r := de.Get("/login"); strings.Contains(r.Body, "Bei Acme anmelden") {
			t.Error("the override is still shown after its removal")
		}
	})
}

// The settings page's form sets an override and shows a refusal next to
// its field, in the administrator's language.
func TestTextOverrideForm(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		b := signedInAs(t, s, "adam")
		r := b.Submit("/admin/settings/brand", "/admin/settings/brand/texts", url.Values{"language": {"en"}, "key": {"login.nope"}, "text": {"x"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="key-error"`) {
			t.Errorf("unknown key: %d\n%s", r.Status, r.Body)
		}
		r = b.Post("/admin/settings/brand/texts", url.Values{"language": {"en"}, "key": {"login.title"}, "text": {"Sign in to Acme"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", r.Status, r.Body)
		}
		page := b.Follow(r)
		if !strings.Contains(page.Body, "The text has been saved.") || !strings.Contains(page.Body, "Sign in to Acme") {
			t.Errorf("the page after saving:\n%s", page.Body)
		}
		if r := s.Browser(t).Get("/login"); !strings.Contains(r.Body, "Sign in to Acme") {
			t.Error("the sign-in page lacks the override")
		}
		r = b.Post("/admin/settings/brand/texts/remove", url.Values{"language": {"en"}, "key": {"login.title"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d %s", r.Status, r.Body)
		}
		if r := s.Browser(t).Get("/login"); strings.Contains(r.Body, "Sign in to Acme") {
			t.Error("the override is still shown after its removal")
		}
	})
}

// The accent colour is applied through a style sheet of the organization's
// own (the pages' CSP has no 'unsafe-inline'), in light and dark mode, with
// white text on it.
func TestAccentColourStyleSheet(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		b := s.Browser(t)
		if r := b.Get("/login"); strings.Contains(r.Body, "/brand/style.css") {
			t.Error("a style sheet linked without an accent colour")
		}
		if _, err := s.Admin.UpdateSettings(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{},
			gatehouse.DefaultOrgID, map[string]string{"accent_color": "#7a1f5c"}); err != nil {
			t.Fatal(err)
		}
		page := b.Get("/login")
		if !strings.Contains(page.Body, `<link rel="stylesheet" href="/brand/style.css?v=7a1f5c">`) {
			t.Fatalf("no accent style sheet on the sign-in page:\n%s", page.Body)
		}
		if csp := page.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "style-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
		css := b.Get("/brand/style.css?v=7a1f5c")
		if css.Status != http.StatusOK || css.Header.Get("Content-Type") != "text/css; charset=utf-8" {
			t.Fatalf("style sheet: %d %s", css.Status, css.Header.Get("Content-Type"))
		}
		if strings.Count(css.Body, "--brand: #7a1f5c;") != 2 || !strings.Contains(css.Body, "--on-brand: #fff;") || !strings.Contains(css.Body, "prefers-color-scheme: dark") {
			t.Errorf("style sheet:\n%s", css.Body)
		}
	})
}

func brandText(lang, key, text string) brand.Text {
	return brand.Text{Lang: lang, Key: key, Text: text}
}

// TestPluralFormTextOverrides: a message with plural forms is overridden
// form by form (admin.members.count.one), the list shows each form beside
// the catalog's text of that form, the page picks the form by the count, and
// a form the language does not have is refused naming the key.
func TestPluralFormTextOverrides(t *testing.T) {
	s := webtest.New(t, webtest.Options{NoWorker: true})
	newAdminOrg(t, s)
	key := newAPIKey(t, s, "brand", gatehouse.RoleAdministrator)
	for path, text := range map[string]string{
		"/brand/texts/en/admin.members.count.one":   "Just one person: {{.Count}}.",
		"/brand/texts/en/admin.members.count.other": "{{.Count}} people.",
	} {
		if r := apiRequest(t, s, key, "PUT", path, `{"text":"`+text+`"}`); r.Status != http.StatusOK {
			t.Fatalf("PUT %s: %d %s", path, r.Status, r.Body)
		}
	}
	if r := apiRequest(t, s, key, "GET", "/brand/texts", ""); !strings.Contains(r.Body, `"original": "{{.Count}} member matches."`) ||
		!strings.Contains(r.Body, `"original": "{{.Count}} members match."`) {
		t.Errorf("the list does not show each form's own text: %s", r.Body)
	}
	r := apiRequest(t, s, key, "PUT", "/brand/texts/de/admin.members.count.few", `{"text":"{{.Count}} Leute"}`)
	wantProblem(t, "a form German lacks", r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body, `"field":"key"`) || !strings.Contains(r.Body, "one, other") {
		t.Errorf("a form German lacks: %s", r.Body)
	}

	req, _ := http.NewRequest("PUT", s.URL+"/api/v1/brand/texts/de/admin.members.count.few", strings.NewReader(`{"text":"x"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "de")
	if r := s.Do(t, req); !strings.Contains(r.Body, "Die Meldung admin.members.count hat in dieser Sprache keine Pluralform few: sie hat one, other.") {
		t.Errorf("the refusal in German: %s", r.Body)
	}

	admin := signedInAs(t, s, "adam")
	admin.AcceptLanguage = "en"
	if page := admin.Get("/admin/members?query=mia").Body; !strings.Contains(page, `id="member-count">Just one person: 1.</p>`) {
		t.Errorf("one match: %s", htmlBetween(page, `id="member-count">`, "</p>"))
	}
	if page := admin.Get("/admin/members?query=example.com").Body; !strings.Contains(page, `id="member-count">3 people.</p>`) {
		t.Errorf("three matches: %s", htmlBetween(page, `id="member-count">`, "</p>"))
	}
}
