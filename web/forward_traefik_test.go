package web_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/forwardauth"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// forwardConfig protects app.example.com for everyone and admin.example.com
// for owners, asked by proxies on loopback.
func forwardConfig(t *testing.T) forwardauth.Config {
	rules, err := forwardauth.ParseRules("app.example.com, admin.example.com=owner")
	if err != nil {
		t.Fatal(err)
	}
	return forwardauth.Config{Rules: rules, Proxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
}

// traefik asks /auth/forward as Traefik's ForwardAuth middleware does: the
// browser's headers (cookies included) and X-Forwarded-Method, -Proto, -Host,
// -Uri and -For.
func traefik(t *testing.T, b *webtest.Browser, host, uri, accept string) *webtest.Response {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, b.AbsURL("/auth/forward"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("X-Forwarded-Method", "GET")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", host)
	r.Header.Set("X-Forwarded-Uri", uri)
	r.Header.Set("X-Forwarded-For", "203.0.113.50")
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	return b.Do(r)
}

const acceptHTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// TestForwardAuthTraefik replays Traefik's questions (Traefik is not
// packaged for Debian): signed out, the sign-in that returns to the
// application, signed in with the Remote-* headers, a role refused, a host
// not protected, and signed out again.
func TestForwardAuthTraefik(t *testing.T) {
	webtest.Each(t, webtest.Options{ForwardAuth: forwardConfig(t)}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		b := s.Browser(t)

		// Signed out: a browser is sent to sign in, and will come back.
		r := traefik(t, b, "app.example.com", "/reports?year=2026&q=a%20b", acceptHTML)
		if r.Status != http.StatusFound {
			t.Fatalf("signed out, browser: %d %s", r.Status, r.Body)
		}
		loc, _ := url.Parse(r.Header.Get("Location"))
		want := "https://app.example.com/reports?year=2026&q=a%20b"
		if loc.Path != "/login" || loc.Query().Get("next") != want || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("redirect to %s (cache %q), want /login?next=%s", loc, r.Header.Get("Cache-Control"), want)
		}
		// An API client gets 401.
		if r := traefik(t, b, "app.example.com", "/api/x", "application/json"); r.Status != http.StatusUnauthorized {
			t.Errorf("signed out, API: %d", r.Status)
		}

		// The sign-in page keeps the address and returns there.
		page := b.Get(loc.RequestURI())
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `value="`+strings.ReplaceAll(want, "&", "&amp;")+`"`) {
			t.Fatalf("sign-in page does not carry next: %d", page.Status)
		}
		r = b.Post("/login", url.Values{"identifier": {"jdoe"}, "password": {goodPassword}, "next": {want}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != want {
			t.Fatalf("after sign-in: %d to %q, want %q", r.Status, r.Header.Get("Location"), want)
		}

		// Signed in: 200 and who it is.
		r = traefik(t, b, "app.example.com", "/reports", acceptHTML)
		if r.Status != http.StatusOK {
			t.Fatalf("signed in: %d %s", r.Status, r.Body)
		}
		for h, v := range map[string]string{
			"Remote-User": "jdoe", "Remote-Email": "jane@example.com", "Remote-Name": "Test jdoe", "Remote-Groups": "member",
			"X-Auth-Request-User": "jdoe", "X-Auth-Request-Email": "jane@example.com", "X-Auth-Request-Groups": "member",
			"Cache-Control": "no-store",
		} {
			if got := r.Header.Get(h); got != v {
				t.Errorf("%s = %q, want %q", h, got, v)
			}
		}
		// Only the proxy reads a passed check: no browser policy on it; a
		// refusal, which the proxy hands to the browser, has them.
		if got := r.Header.Get("Content-Security-Policy"); got != "" {
			t.Errorf("a passed check carries Content-Security-Policy %q", got)
		}
		// The owners-only host refuses a member; an unprotected host is refused.
		if r := traefik(t, b, "admin.example.com", "/", acceptHTML); r.Status != http.StatusForbidden || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("role refused: %d, X-Frame-Options %q", r.Status, r.Header.Get("X-Frame-Options"))
		}
		if r := traefik(t, b, "other.example.com", "/", acceptHTML); r.Status != http.StatusForbidden {
			t.Errorf("unprotected host: %d", r.Status)
		}

		// Sign out: the next question is answered 401 / redirect again.
		b.Submit("/account", "/logout", nil)
		if r := traefik(t, b, "app.example.com", "/", "application/json"); r.Status != http.StatusUnauthorized {
			t.Errorf("after sign-out: %d", r.Status)
		}
	})
}

// TestForwardAuthRefusals: headers from an address that is not a proxy are
// not believed; a server without protected hosts answers 404; a sign-in never
// returns to a host that is not protected (no open redirect); a session
// waiting for its second factor does not pass.
func TestForwardAuthRefusals(t *testing.T) {
	t.Run("untrusted peer", func(t *testing.T) {
		cfg := forwardConfig(t)
		cfg.Proxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
		s := webtest.New(t, webtest.Options{ForwardAuth: cfg})
		if r := traefik(t, s.Browser(t), "app.example.com", "/", acceptHTML); r.Status != http.StatusForbidden {
			t.Errorf("untrusted peer: %d", r.Status)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		s := webtest.New(t, webtest.Options{})
		if r := traefik(t, s.Browser(t), "app.example.com", "/", acceptHTML); r.Status != http.StatusNotFound {
			t.Errorf("not configured: %d", r.Status)
		}
	})
	t.Run("bad headers", func(t *testing.T) {
		s := webtest.New(t, webtest.Options{ForwardAuth: forwardConfig(t)})
		b := s.Browser(t)
		if r := b.Get("/auth/forward"); r.Status != http.StatusBadRequest {
			t.Errorf("no target: %d", r.Status)
		}
		if r := traefik(t, b, "app.example.com@evil.example", "/", acceptHTML); r.Status != http.StatusBadRequest {
			t.Errorf("bad host: %d", r.Status)
		}
	})
	t.Run("no open redirect", func(t *testing.T) {
		s := webtest.New(t, webtest.Options{ForwardAuth: forwardConfig(t)})
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		for _, next := range []string{"https://evil.example/", "https://app.example.com.evil.example/", "//evil.example/", "https://jdoe@app.example.com/"} {
			b := s.Browser(t)
			b.Get("/login?next=" + url.QueryEscape(next))
			r := b.Post("/login", url.Values{"identifier": {"jdoe"}, "password": {goodPassword}, "next": {next}})
			if r.Status != http.StatusSeeOther || r.Location != "/account" {
				t.Errorf("next %q: %d to %q, want /account", next, r.Status, r.Location)
			}
		}
		// Signed in already, the sign-in page goes straight back to a protected host.
		b := s.Browser(t)
		b.SignIn("jdoe", goodPassword, "/account")
		if r := b.Get("/login?next=" + url.QueryEscape("https://app.example.com/x")); r.Header.Get("Location") != "https://app.example.com/x" {
			t.Errorf("signed in, /login?next=: %d to %q", r.Status, r.Header.Get("Location"))
		}
	})
	t.Run("second factor pending", func(t *testing.T) {
		s := webtest.New(t, webtest.Options{ForwardAuth: forwardConfig(t), Settings: map[string]string{"two_factor": "required"}})
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		b := s.Browser(t)
		b.Submit("/login", "/login", url.Values{"identifier": {"jdoe"}, "password": {goodPassword}, "next": {"https://app.example.com/"}})
		if r := traefik(t, b, "app.example.com", "/", "application/json"); r.Status != http.StatusUnauthorized {
			t.Errorf("before the second factor: %d", r.Status)
		}
	})
}
