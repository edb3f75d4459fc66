package web_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestMalformedRequests sends 300+ broken requests and checks that each gets a
// 4xx answer, never a 5xx, and that the server still works afterwards.
func TestMalformedRequests(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	b.Get("/login")
	csrfCookie := b.Cookie("gatehouse_csrf")
	token := csrfValue.FindString(b.Get("/login").Body)
	token = strings.TrimSuffix(strings.TrimPrefix(token, `value="`), `"`)

	type req struct {
		method, path, ctype, body string
		cookies                   string
	}
	forms := []string{"/login", "/logout", "/login/renew", "/account/password", "/setup", "/account/sessions/x/end", "/account/sessions/end-others",
		"/forgot-password", "/reset-password", "/activate"}
	var reqs []req
	big := strings.Repeat("a", 1<<20)
	good := "csrf_token=" + token
	cookie := "gatehouse_csrf=" + csrfCookie
	for _, p := range forms {
		reqs = append(reqs,
			req{"POST", p, "application/x-www-form-urlencoded", "", cookie},                                                           // no token
			req{"POST", p, "application/x-www-form-urlencoded", good, ""},                                                             // token without cookie
			req{"POST", p, "application/x-www-form-urlencoded", "csrf_token=forged", cookie},                                          // forged token
			req{"POST", p, "application/x-www-form-urlencoded", good + "&identifier=" + big, cookie},                                  // 1 MB field
			req{"POST", p, "application/x-www-form-urlencoded", good + "&password=%FF%FE%FD", cookie},                                 // invalid UTF-8
			req{"POST", p, "application/x-www-form-urlencoded", good + "&%zz=%", cookie},                                              // bad escapes
			req{"POST", p, "application/x-www-form-urlencoded", good + "&identifier=a&identifier=b&password=" + goodPassword, cookie}, // repeated field
			req{"POST", p, "multipart/form-data; boundary=x", "--x\r\nbroken", cookie},                                                // broken multipart
			req{"POST", p, "application/json", `{"identifier":"jdoe"}`, cookie},                                                       // wrong content type
			req{"PUT", p, "application/x-www-form-urlencoded", good, cookie},                                                          // wrong method
			req{"DELETE", p, "", "", cookie},
			req{"PATCH", p, "", "", cookie},
			req{"POST", p, "application/x-www-form-urlencoded", good, "gatehouse_csrf=" + strings.Repeat("x", 4000)}, // bad cookie
			req{"POST", p, "application/x-www-form-urlencoded", good, cookie + "; gatehouse_session=%00%01garbage"},
			req{"POST", p, "application/x-www-form-urlencoded", good + "&identifier=\x00\x01&password=\x7f", cookie},
		)
	}
	pages := []string{"/login", "/account", "/account/password", "/login/renew", "/setup", "/api/v1/session", "/reset-password", "/nope", "/static/nope.css",
		"/forgot-password", "/activate"}
	for _, p := range pages {
		for _, c := range []string{"gatehouse_session=", "gatehouse_session=" + strings.Repeat("A", 43), "gatehouse_session=../../etc/passwd",
			"gatehouse_session=" + strings.Repeat("é", 100), "gatehouse_session=a;gatehouse_session=b", "=", "gatehouse_session=\"quoted\""} {
			reqs = append(reqs, req{"GET", p, "", "", c})
		}
		reqs = append(reqs,
			req{"POST", p, "text/plain", "hello", ""},
			req{"TRACE", p, "", "", ""},
			req{"GET", p + "?token=%ZZ", "", "", ""},
			req{"GET", p + "?token=" + strings.Repeat("x", 5000), "", "", ""},
			req{"GET", p + "?next=%00", "", "", ""},
			req{"GET", p + "?done=<script>", "", "", ""},
			req{"OPTIONS", p, "", "", ""},
		)
	}
	for i := 0; len(reqs) < 300; i++ {
		reqs = append(reqs, req{"GET", fmt.Sprintf("/setup?token=%s", strings.Repeat(string(rune('a'+i%26)), 43)), "", "", ""})
		reqs = append(reqs, req{"POST", "/login", "application/x-www-form-urlencoded", fmt.Sprintf("%s&identifier=%d&password=", good, i), cookie})
	}
	if len(reqs) < 300 {
		t.Fatalf("only %d requests", len(reqs))
	}
	for _, rq := range reqs {
		r, err := http.NewRequest(rq.method, s.URL+rq.path, strings.NewReader(rq.body))
		if err != nil {
			// Go refuses to build it; send it raw below instead.
			continue
		}
		if rq.ctype != "" {
			r.Header.Set("Content-Type", rq.ctype)
		}
		if rq.cookies != "" {
			r.Header.Set("Cookie", rq.cookies)
		}
		resp := s.Do(t, r)
		if resp.Status >= 500 {
			t.Errorf("%s %s (%.40q): %d\n%.300s", rq.method, rq.path, rq.body, resp.Status, resp.Body)
		}
		if resp.Status < 300 && rq.method == "POST" {
			t.Errorf("%s %s (%.40q) was accepted: %d", rq.method, rq.path, rq.body, resp.Status)
		}
	}
	// Raw requests that Go's client would not send.
	raws := []string{
		"GET /login HTTP/1.1\r\nHost: x\r\nCookie: \xff\xfe\r\n\r\n",
		"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nab",
		"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		"GET /login?\xff HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /login HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("y", 100<<10) + "\r\n\r\n",
	}
	for _, raw := range raws {
		c := s.Dial(t)
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, raw)
		line, _ := bufio.NewReader(c).ReadString('\n')
		if strings.Contains(line, " 5") {
			t.Errorf("raw %.40q: %s", raw, line)
		}
	}
	// And the server still serves.
	b2 := s.Browser(t)
	b2.SignIn("jdoe", goodPassword, "/account")
}

func TestSecurityHeaders(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	b := s.Browser(t)
	r := b.Get("/login")
	want := map[string]string{
		"Content-Security-Policy": "frame-ancestors 'none'",
		"Referrer-Policy":         "no-referrer",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
		"X-Frame-Options":         "DENY",
	}
	for h, v := range want {
		if !strings.Contains(r.Header.Get(h), v) {
			t.Errorf("%s = %q, want %q", h, r.Header.Get(h), v)
		}
	}
	if csp := r.Header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP is not strict: %s", csp)
	}
	if r.Header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS on plain http")
	}
	for _, c := range r.Header.Values("Set-Cookie") {
		if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
			t.Errorf("cookie %q lacks HttpOnly or SameSite", c)
		}
	}
}

// TestAPISecurityHeaders: JSON answers carry OWASP's set for API answers,
// on a refusal as on a success, and HSTS behind https; the page-only
// policies stay off them and on the pages.
func TestAPISecurityHeaders(t *testing.T) {
	s := webtest.New(t, webtest.Options{PublicURL: "https://login.example.com"})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	anon := b.Get("/api/v1/session")
	b.SignIn("jdoe", goodPassword, "https://login.example.com/account")
	for name, r := range map[string]*webtest.Response{"refused": anon, "signed in": b.Get("/api/v1/session"), "forward-auth": b.Get("/auth/forward")} {
		want := map[string]string{
			"Content-Security-Policy":      "default-src 'none'; frame-ancestors 'none'",
			"X-Content-Type-Options":       "nosniff",
			"X-Frame-Options":              "DENY",
			"Cache-Control":                "no-store",
			"Cross-Origin-Resource-Policy": "same-origin",
			"Strict-Transport-Security":    "max-age=63072000; includeSubDomains",
		}
		for h, v := range want {
			if got := r.Header.Get(h); got != v {
				t.Errorf("%s: %s = %q, want %q", name, h, got, v)
			}
		}
		for _, h := range []string{"Referrer-Policy", "Cross-Origin-Opener-Policy", "Permissions-Policy"} {
			if got := r.Header.Get(h); got != "" {
				t.Errorf("%s: %s = %q on a JSON answer", name, h, got)
			}
		}
	}
	page := b.Get("/account")
	for _, h := range []string{"Referrer-Policy", "Cross-Origin-Opener-Policy", "Permissions-Policy"} {
		if page.Header.Get(h) == "" {
			t.Errorf("the page lacks %s", h)
		}
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("the page's policy is %q", csp)
	}
}

func TestHTTPSCookiesAndHSTS(t *testing.T) {
	s := webtest.New(t, webtest.Options{PublicURL: "https://login.example.com"})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	r := b.Get("/login")
	if r.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS with an https public URL")
	}
	for _, c := range r.Header.Values("Set-Cookie") {
		if !strings.HasPrefix(c, "__Host-") || !strings.Contains(c, "Secure") || !strings.Contains(c, "Path=/") || strings.Contains(c, "Domain=") {
			t.Errorf("cookie %q is not a __Host- Secure cookie", c)
		}
	}
	// The browser jar drops Secure cookies on http; send the form by hand.
	token := strings.TrimSuffix(strings.TrimPrefix(csrfValue.FindString(r.Body), `value="`), `"`)
	var csrf string
	for _, c := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "__Host-gatehouse_csrf=") {
			csrf = strings.SplitN(c, ";", 2)[0]
		}
	}
	form := url.Values{"csrf_token": {token}, "identifier": {"jdoe"}, "password": {goodPassword}}
	req, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", csrf)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "https://login.example.com/account" {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	sc := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
	if !strings.Contains(sc, "__Host-gatehouse_session=") || !strings.Contains(sc, "Secure") || !strings.Contains(sc, "HttpOnly") {
		t.Errorf("session cookie: %s", sc)
	}
}

func TestCrossSiteFormRefused(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	b.Get("/login")
	r, _ := http.NewRequest("POST", s.URL+"/login", strings.NewReader(url.Values{"identifier": {"jdoe"}, "password": {goodPassword}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "https://evil.example")
	if resp := s.Do(t, r); resp.Status != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", resp.Status)
	}
	// Same form, same cookie, but no token: refused too.
	if resp := b.Post("/login", url.Values{"identifier": {"jdoe"}, "password": {goodPassword}, "csrf_token": {"x"}}); resp.Status != http.StatusForbidden {
		t.Errorf("POST with a wrong token: %d, want 403", resp.Status)
	}
}

func TestLinksIgnoreHostHeader(t *testing.T) {
	s := webtest.New(t, webtest.Options{PublicURL: "https://login.example.com"})
	r, _ := http.NewRequest("GET", s.URL+"/account", nil)
	r.Host = "evil.example"
	r.Header.Set("X-Forwarded-Host", "evil.example")
	resp := s.Do(t, r)
	if resp.Status != http.StatusSeeOther || !strings.HasPrefix(resp.Location, "https://login.example.com/login") {
		t.Errorf("redirect built from the Host header: %s", resp.Location)
	}
	link, err := s.Recovery.SetupLink(t.Context(), gatehouse.DefaultOrgID)
	if err != nil || !strings.HasPrefix(link, "https://login.example.com/setup?token=") {
		t.Errorf("setup link %q, %v", link, err)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	b := s.Browser(t)
	if r := b.Get("/healthz"); r.Status != http.StatusOK {
		t.Errorf("healthz %d", r.Status)
	}
	if r := b.Get("/readyz"); r.Status != http.StatusOK {
		t.Errorf("readyz %d", r.Status)
	}
	b.Submit("/login", "/login", url.Values{"identifier": {"x"}, "password": {"y"}})
	r := b.Get("/metrics")
	for _, want := range []string{"gatehouse_http_requests_total", `gatehouse_signins_total{outcome="failure"} 1`, "gatehouse_http_request_duration_seconds"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	s.Store.Close()
	if r := b.Get("/readyz"); r.Status != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d", r.Status)
	}
}
