package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/forwardauth"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// The hot paths of the web layer, through the whole handler (every middleware,
// the router, the use case and the store) but without the network, so that the
// figures are the server's own cost per request. The load tool
// (cmd/gatehouse-load) measures the same requests over HTTP.

// BenchmarkSessionHandler is GET /api/v1/session with a valid session cookie:
// the request every integrated application makes most.
// RequestTimeout is serve's default, so that the request's deadline is
// paid for as in production.
func BenchmarkSessionHandler(b *testing.B) {
	h, cookie, host := signedInHandler(b, webtest.Options{RequestTimeout: 30 * time.Second})
	benchSignedIn(b, h, func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/session", nil)
		r.Host = host
		r.Header.Set("Cookie", cookie)
		return r
	}, func(w *httptest.ResponseRecorder) bool { return w.Code == http.StatusOK })
}

// BenchmarkForwardAuth is GET /auth/forward as Traefik asks it, with a valid
// session cookie, from a trusted proxy, about a protected host: the request
// a reverse proxy makes before every request to an application.
func BenchmarkForwardAuth(b *testing.B) {
	rules, err := forwardauth.ParseRules("app.example.com")
	if err != nil {
		b.Fatal(err)
	}
	// httptest.NewRequest comes from 192.0.2.1, the proxy here.
	fa := forwardauth.Config{Rules: rules, Proxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}}
	h, cookie, host := signedInHandler(b, webtest.Options{RequestTimeout: 30 * time.Second, ForwardAuth: fa})
	benchSignedIn(b, h, func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/auth/forward", nil)
		r.Host = host
		r.Header.Set("Cookie", cookie)
		r.Header.Set("X-Forwarded-Method", "GET")
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("X-Forwarded-Host", "app.example.com")
		r.Header.Set("X-Forwarded-Uri", "/reports?year=2026")
		r.Header.Set("X-Forwarded-For", "203.0.113.50")
		return r
	}, func(w *httptest.ResponseRecorder) bool {
		return w.Code == http.StatusOK && w.Header().Get("Remote-User") == "jdoe"
	})
}

// signedInHandler starts a server with opts and a member signed in, and
// returns its handler, the member's session cookie and the host its
// requests are sent to.
func signedInHandler(b *testing.B, opts webtest.Options) (http.Handler, string, string) {
	s := webtest.New(b, opts)
	s.Web.Orgs = s.App.Orgs // as serve wires it: the organization by Host
	s.AddMember(b, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	br := s.Browser(b)
	br.SignIn("jdoe", goodPassword, "/account")
	return s.Web.Handler(), "gatehouse_session=" + br.Cookie("gatehouse_session"), strings.TrimPrefix(s.URL, "http://")
}

// benchSignedIn serves the request newRequest makes in parallel, reporting
// allocations and the process's CPU per request; an answer ok refuses fails
// the benchmark.
func benchSignedIn(b *testing.B, h http.Handler, newRequest func() *http.Request, ok func(*httptest.ResponseRecorder) bool) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	defer reportCPU(b, cpu0)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := newRequest()
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if !ok(w) {
				b.Errorf("%s %s: %d", r.Method, r.URL.Path, w.Code)
				return
			}
		}
	})
}

// BenchmarkLoginPage renders the sign-in page for a browser that has its
// anti-forgery cookie already.
func BenchmarkLoginPage(b *testing.B) {
	s := webtest.New(b, webtest.Options{})
	br := s.Browser(b)
	br.Get("/login")
	cookie := "gatehouse_csrf=" + br.Cookie("gatehouse_csrf")
	h := s.Web.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodGet, "/login", nil)
			r.Header.Set("Cookie", cookie)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Errorf("GET /login: %d", w.Code)
				return
			}
		}
	})
}

// BenchmarkSignInHandler is POST /login with the right password, through the
// whole handler, on each database, with a hasher so cheap (8 KiB, one pass)
// that the figure is what a sign-in costs beyond its password hash: the
// member lookup, the throttling counters, the new session, the audit event,
// the redirect. Sequential, so ns/op is CPU time per sign-in (the database
// server's own, for PostgreSQL, not included).
func BenchmarkSignInHandler(b *testing.B) {
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", gatehousetest.SQLiteURL}, {"postgres", gatehousetest.PostgresURL}} {
		b.Run(db.name, func(b *testing.B) {
			s := webtest.New(b, webtest.Options{DatabaseURL: db.url(b)})
			h, err := secret.NewHasher(secret.HasherConfig{Memory: 8, Time: 1})
			if err != nil {
				b.Fatal(err)
			}
			s.Account.Hasher, s.SignIn.Hasher = h, h
			s.AddMember(b, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
			br := s.Browser(b)
			page := br.Get("/login")
			token := strings.TrimSuffix(strings.TrimPrefix(csrfValue.FindString(page.Body), `value="`), `"`)
			cookie := "gatehouse_csrf=" + br.Cookie("gatehouse_csrf")
			form := url.Values{"identifier": {"jdoe"}, "password": {goodPassword}, "csrf_token": {token}}.Encode()
			handler := s.Web.Handler()
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Cookie", cookie)
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, r)
				if w.Code != http.StatusSeeOther {
					b.Fatalf("POST /login: %d", w.Code)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// reportCPU reports the CPU time per operation since cpu0 (every
// goroutine's, garbage collection included) as cpu-µs/op: on a machine
// shared with other work, ns/op of a parallel benchmark is mostly the time
// others took the cores, while the CPU a request costs stays.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
}

// processCPU returns the CPU time (user and system) this process has used:
// over a sequential benchmark, the CPU cost per operation, waits excluded.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
