package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestPagesInTheBrowsersLanguage: Accept-Language chooses the language of a
// page, <html lang> and Content-Language name it, and a language Gatehouse
// does not speak falls back to the organization's default.
func TestPagesInTheBrowsersLanguage(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	for _, tc := range []struct {
		accept, lang, heading string
	}{
		{"", "en", "<h1>Sign in</h1>"},
		{"de-DE,de;q=0.9,en;q=0.8", "de", "<h1>Anmelden</h1>"},
		{"es-MX", "es", "<h1>Iniciar sesión</h1>"},
		{"id", "id", "<h1>Masuk</h1>"},
		{"fr-FR,fr;q=0.9", "en", "<h1>Sign in</h1>"},
	} {
		b := s.Browser(t)
		b.AcceptLanguage = tc.accept
		r := b.Get("/login")
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", tc.accept, r.Status)
		}
		if !strings.Contains(r.Body, `<html lang="`+tc.lang+`">`) || r.Header.Get("Content-Language") != tc.lang {
			t.Errorf("Accept-Language %q: want lang %s, got Content-Language %q and %s", tc.accept, tc.lang,
				r.Header.Get("Content-Language"), firstLine(r.Body, "<html"))
		}
		if !strings.Contains(r.Body, tc.heading) {
			t.Errorf("Accept-Language %q: no %s in the page", tc.accept, tc.heading)
		}
	}
}

// TestOrganizationDefaultLanguage: without a language from the browser, the
// organization's default_language is used; the browser's wins over it.
func TestOrganizationDefaultLanguage(t *testing.T) {
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"default_language": "id"}})
	b := s.Browser(t)
	if r := b.Get("/forgot-password"); !strings.Contains(r.Body, `<html lang="id">`) || !strings.Contains(r.Body, "Lupa kata sandi?") {
		t.Errorf("no Accept-Language: want Indonesian, got %s", firstLine(r.Body, "<h1"))
	}
	b.AcceptLanguage = "de"
	if r := b.Get("/forgot-password"); !strings.Contains(r.Body, "Passwort vergessen?") {
		t.Errorf("Accept-Language de: want German, got %s", firstLine(r.Body, "<h1"))
	}
}

// TestLanguageSwitch: the sign-in page's switch remembers the language in a
// cookie, which comes before Accept-Language; it needs the anti-forgery token,
// refuses languages it does not offer and returns only to this server's pages.
func TestLanguageSwitch(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	b := s.Browser(t)
	b.AcceptLanguage = "de"
	page := b.Get("/login?next=%2Faccount%2Fpassword%3Fx%3D1")
	for _, want := range []string{`action="/language"`, `<option value="es" lang="es">Español</option>`, `<option value="de" lang="de" selected>Deutsch</option>`,
		`name="next" value="/login?next=%2Faccount%2Fpassword%3Fx%3D1"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the sign-in page lacks %s", want)
		}
	}
	r := b.Post("/language", url.Values{"lang": {"es"}, "next": {"/login?next=%2Faccount%2Fpassword%3Fx%3D1"}})
	if r.Status != http.StatusSeeOther || r.Location != "/login?next=%2Faccount%2Fpassword%3Fx%3D1" {
		t.Fatalf("switch: %d to %q", r.Status, r.Location)
	}
	if r := b.Get("/login"); !strings.Contains(r.Body, `<html lang="es">`) {
		t.Errorf("after switching to es with Accept-Language de: %s", firstLine(r.Body, "<html"))
	}

	t.Run("no anti-forgery token", func(t *testing.T) {
		other := s.Browser(t)
		other.Get("/login")
		r := other.Post("/language", url.Values{"lang": {"id"}, "next": {"/login"}, "csrf_token": {"forged"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("forged token: %d, want 403", r.Status)
		}
		if got := other.Cookie("gatehouse_lang"); got != "" {
			t.Errorf("forged token set the cookie to %q", got)
		}
	})
	t.Run("languages it does not offer", func(t *testing.T) {
		for _, bad := range []string{"fr", "en-XA", "", "de\r\nSet-Cookie: x=y", strings.Repeat("d", 100)} {
			b.Get("/login")
			if r := b.Post("/language", url.Values{"lang": {bad}, "next": {"/login"}}); r.Status != http.StatusUnprocessableEntity && bad != "" {
				t.Errorf("lang %q: %d, want 422", bad, r.Status)
			}
		}
	})
	t.Run("returns only to this server", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/%2F%2Fevil.example"} {
			b.Get("/login")
			r := b.Post("/language", url.Values{"lang": {"de"}, "next": {next}})
			if r.Status != http.StatusSeeOther || r.Location != "/login" {
				t.Errorf("next %q: %d to %q, want /login", next, r.Status, r.Location)
			}
		}
	})
}

func firstLine(body, prefix string) string {
	for _, l := range strings.Split(body, "\n") {
		if strings.Contains(l, prefix) {
			return strings.TrimSpace(l)
		}
	}
	return "(no " + prefix + ")"
}

// TestProblemDetailsInTheRequestedLanguage: the API's problem details say
// their detail and field messages in the Accept-Language; codes stay.
func TestProblemDetailsInTheRequestedLanguage(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	b := s.Browser(t)
	b.AcceptLanguage = "es"
	r := b.Get("/api/v1/session")
	if r.Status != http.StatusUnauthorized || !strings.Contains(r.Body, `"detail":"No ha iniciado sesión."`) || !strings.Contains(r.Body, `"title":"Unauthorized"`) {
		t.Errorf("session without a cookie in Spanish: %d %s", r.Status, r.Body)
	}
	b.AcceptLanguage = ""
	if r := b.Get("/api/v1/session"); !strings.Contains(r.Body, `"detail":"You are not signed in."`) {
		t.Errorf("in English: %s", r.Body)
	}
}

// TestFieldRefusalsInTheRequestedLanguage: the management API's refusals of
// a query parameter or a field of the body (not of the JSON itself) are in
// the Accept-Language, the field and the code as the API spells them.
func TestFieldRefusalsInTheRequestedLanguage(t *testing.T) {
	s := webtest.New(t, webtest.Options{NoWorker: true})
	newAdminOrg(t, s)
	key := newAPIKey(t, s, "lang", gatehouse.RoleAdministrator)
	_, deskKey, _ := withDesk(t, s)
	for _, c := range []struct{ name, method, path, key, body, want string }{
		{"limit", "GET", "/api/v1/members?limit=0", key, "", `"message":"limit muss eine ganze Zahl von 1 bis 500 sein."`},
		{"text", "PUT", "/api/v1/brand/texts/de/login.title", key, `{}`, `"message":"text ist erforderlich."`},
		{"state", "GET", "/api/v1/operator/organizations?state=sleeping", deskKey, "", `"message":"state ist active oder suspended."`},
		{"unknown parameter", "GET", "/api/v1/members?rol=owner", key, "", `"message":"Einen Abfrageparameter \"rol\" gibt es hier nicht."`},
		{"repeated parameter", "GET", "/api/v1/members?role=owner\u0026role=member", key, "", `"message":"Geben Sie role nur einmal an."`},
	} {
		r, err := http.NewRequest(c.method, s.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", "Bearer "+c.key)
		r.Header.Set("Accept-Language", "de")
		if c.body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		resp := s.Do(t, r)
		wantProblem(t, c.name, resp, http.StatusUnprocessableEntity)
		if !strings.Contains(resp.Body, c.want) || !strings.Contains(resp.Body, `"detail":"`+strings.TrimPrefix(c.want, `"message":"`)) {
			t.Errorf("%s in German: %s, want %s in the detail and the field", c.name, resp.Body, c.want)
		}
	}
}
