package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
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
func BenchmarkSessionHandler(b *testing.B) {
	s := webtest.New(b, webtest.Options{})
	s.AddMember(b, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	br := s.Browser(b)
	br.SignIn("jdoe", goodPassword, "/account")
	cookie := "gatehouse_session=" + br.Cookie("gatehouse_session")
	h := s.Web.Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/session", nil)
			r.Header.Set("Cookie", cookie)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Errorf("GET /api/v1/session: %d", w.Code)
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

// processCPU returns the CPU time (user and system) this process has used:
// over a sequential benchmark, the CPU cost per operation, waits excluded.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
