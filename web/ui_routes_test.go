package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestNotFoundPage: an address no route serves gets an HTML page in the site's
// layout with 404 (not Go's plain text), the API keeps its problem details, and
// a path served for other methods still answers 405 with Allow.
func TestNotFoundPage(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	b := s.Browser(t)
	r := b.Get("/no/such/page")
	if r.Status != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(r.Body, "<h1>Page not found</h1>") || !strings.Contains(r.Body, `<html lang="en">`) {
		t.Errorf("unknown page: %d %q\n%s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	if r := b.Get("/api/v1/nope"); r.Status != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("unknown API path: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	req, _ := http.NewRequest(http.MethodDelete, s.URL+"/login", nil)
	if r := s.Do(t, req); r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, POST" {
		t.Errorf("DELETE /login: %d Allow %q", r.Status, r.Header.Get("Allow"))
	}
	if r := b.Post("/no/such/form", url.Values{}); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
		t.Errorf("POST to an unknown address: %d", r.Status)
	}
}

// TestFavicon: the icon the layout links and browsers ask for unprompted exists.
func TestFavicon(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	b := s.Browser(t)
	for _, p := range []string{"/favicon.ico", "/static/favicon.svg"} {
		r := b.Get(p)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "image/svg+xml") || !strings.Contains(r.Body, "<svg") {
			t.Errorf("%s: %d %q", p, r.Status, r.Header.Get("Content-Type"))
		}
	}
	if page := b.Get("/login"); !strings.Contains(page.Body, `<link rel="icon" href="/static/favicon.svg"`) {
		t.Error("the layout does not link the icon")
	}
}

// TestRequestsNamedByRouteWithTimeout goes through the whole middleware chain
// with a request timeout set (serve's default), under which the router sees a
// copy of the request: metrics and logs must still name the route pattern.
func TestRequestsNamedByRouteWithTimeout(t *testing.T) {
	var logs bytes.Buffer
	s := webtest.New(t, webtest.Options{RequestTimeout: 30 * time.Second, Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	b := s.Browser(t)
	b.Get("/login")
	b.Get("/admin/members/someone")
	b.Get("/no/such/page")
	m := b.Get("/metrics").Body
	// Pages are counted by pattern; only the address no page serves, answered by
	// the catch-all 404 page, is "unmatched" (one request of the four).
	for _, want := range []string{`route="GET /login"`, `route="GET /admin/members/{id}"`, `route="unmatched",status="404"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, `route="/"`) {
		t.Error(`metrics count unknown addresses as the catch-all route "/"`)
	}
	if !strings.Contains(logs.String(), `route="GET /login"`) {
		t.Errorf("the request log does not name the route:\n%s", logs.String())
	}
}

// TestFreshInstallSaysHowToStart: until an owner exists, the page the root
// leads to says so and where the setup link is printed; then it does not.
func TestFreshInstallSaysHowToStart(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	b := s.Browser(t)
	r := b.Get("/")
	for i := 0; i < 3 && r.Location != ""; i++ {
		r = b.Follow(r)
	}
	if !strings.Contains(r.Body, `id="no-owner"`) || !strings.Contains(r.Body, "<code>gatehouse serve</code> prints") {
		t.Errorf("a fresh installation's first page does not say how to start:\n%s", r.Body)
	}
	s.AddMember(t, "olivia", "olivia@example.com", goodPassword, "owner")
	if r := b.Get("/login"); strings.Contains(r.Body, `id="no-owner"`) {
		t.Error("the page still says there is no owner")
	}
}
