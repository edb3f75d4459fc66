package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
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
