package web_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/web"
)

// Fuzz targets for what the web layer reads from the outside: form bodies,
// form fields, cookies. They drive the real handler (every middleware, the
// router, the use cases, a real database) in process, and assert what must
// hold for every input: never a 5xx, only the answers the flow has, redirects
// that stay on this server, a session only for the right password and a
// signed-in page only for the right cookie.

// fuzzServer is a server with one member and a browser's anti-forgery cookie
// and token.
type fuzzServer struct {
	*webtest.Server
	h            http.Handler
	csrfCookie   string // gatehouse_csrf=...
	csrfToken    string
	sessionToken string // a valid session of jdoe
}

func newFuzzServer(f *testing.F) *fuzzServer {
	s := webtest.New(f, webtest.Options{})
	s.AddMember(f, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(f)
	page := b.Get("/login")
	token := strings.TrimSuffix(strings.TrimPrefix(csrfValue.FindString(page.Body), `value="`), `"`)
	b.SignIn("jdoe", goodPassword, "/account")
	return &fuzzServer{Server: s, h: s.Web.Handler(), csrfCookie: "gatehouse_csrf=" + b.Cookie("gatehouse_csrf"),
		csrfToken: token, sessionToken: b.Cookie("gatehouse_session")}
}

func (s *fuzzServer) serve(method, path, ctype, cookie string, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

// checkLocation fails when a redirect leads off this server, or to a path
// that would lead off it if it were ever used as a relative reference.
func (s *fuzzServer) checkLocation(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	loc := w.Header().Get("Location")
	if loc == "" {
		t.Fatalf("%d without Location", w.Code)
	}
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "http" || u.Host != strings.TrimPrefix(s.URL, "http://") || u.User != nil {
		t.Fatalf("redirect off the server: %q", loc)
	}
	if !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.ContainsAny(u.Path, "\\\x00") {
		t.Fatalf("redirect to the suspicious path %q (%q)", u.Path, loc)
	}
}

// FuzzLoginForm fills the sign-in form's fields with anything (the form itself
// well formed, with a valid anti-forgery token): only the member's own
// identifiers with the right password sign in, and then the redirect stays on
// this server whatever next says; everything else gets 401, 422 or, for text
// that is not UTF-8, 400. Throttling is out of the way: the clock moves a day
// between inputs.
func FuzzLoginForm(f *testing.F) {
	s := newFuzzServer(f)
	for _, next := range []string{"", "/account/password", "//evil.example", "https://evil.example/", "/\\evil.example",
		"/%2F%2Fevil.example", "/\t/evil.example", "javascript:alert(1)", "/account?x=1#frag", "/ok/../../x"} {
		f.Add("jdoe", goodPassword, next)
	}
	f.Add("JANE@example.com", goodPassword, "")
	f.Add(" jdoe ", goodPassword, "")
	f.Add("jdoe", "wrong password", "")
	f.Add("", "", "")
	f.Add("\xff", goodPassword, "")
	f.Add("jdoe", goodPassword+"\x00", "")
	f.Add(strings.Repeat("j", 300), strings.Repeat("p", 5000), "")
	f.Fuzz(func(t *testing.T, identifier, password, next string) {
		s.Clock.Advance(25 * time.Hour)
		body := url.Values{"identifier": {identifier}, "password": {password}, "next": {next}, "csrf_token": {s.csrfToken}}.Encode()
		w := s.serve(http.MethodPost, "/login", "application/x-www-form-urlencoded", s.csrfCookie, []byte(body))
		norm := gatehouse.NormalizeIdentifier(identifier)
		right := (norm == "jdoe" || norm == "jane@example.com") && password == goodPassword
		valid := utf8.ValidString(identifier) && utf8.ValidString(password) && utf8.ValidString(next)
		session := strings.Contains(w.Header().Get("Set-Cookie"), "gatehouse_session=")
		switch {
		case w.Code == http.StatusSeeOther:
			if !right {
				t.Fatalf("signed in with %q / %q", identifier, password)
			}
			if !session {
				t.Fatal("signed in without a session cookie")
			}
			s.checkLocation(t, w)
		case !valid:
			if w.Code != http.StatusBadRequest {
				t.Fatalf("text that is not UTF-8 got %d, want 400", w.Code)
			}
		case right:
			t.Fatalf("the right password for %q got %d", identifier, w.Code)
		case w.Code == http.StatusUnauthorized || w.Code == http.StatusUnprocessableEntity:
		default:
			t.Fatalf("got %d: %.300s", w.Code, w.Body)
		}
		if w.Code != http.StatusSeeOther && session {
			t.Fatalf("%d with a session cookie", w.Code)
		}
	})
}

// FuzzFormBody posts any body with any content type to every form a visitor
// can send without signing in, and, with an owner's session, to the member and
// admin forms that take text: the answer is always a 4xx, a page or a
// redirect that stays on this server, never a 5xx, and an oversized form gets
// 413. The clock stays put so that the owner's session lasts; throttles that
// the inputs trip answer 429, which is fine.
func FuzzFormBody(f *testing.F) {
	s := newFuzzServer(f)
	owner := s.AddMember(f, "olivia", "olivia@example.com", goodPassword, gatehouse.RoleOwner)
	victim := s.AddMember(f, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(f)
	b.SignIn(owner.Username, goodPassword, "/account")
	ownerCookie := s.csrfCookie + "; gatehouse_session=" + b.Cookie("gatehouse_session")
	open := []string{"/login", "/logout", "/forgot-password", "/reset-password", "/activate", "/setup",
		"/login/verify", "/login/verify/send", "/login/renew"}
	signedIn := []string{"/account/password", "/account/mobile", "/account/pin", "/admin/settings",
		"/admin/members/new", "/admin/members/" + victim.ID + "/profile", "/admin/members/activation"}

	good := "csrf_token=" + s.csrfToken
	for _, b := range []string{"", good, good + "&identifier=jdoe&password=" + url.QueryEscape(goodPassword),
		good + "&identifier=a&identifier=b", good + "&%zz=%", good + "&password=%FF%FE", "csrf_token=forged",
		good + "&identifier=\x00\x01", good + ";identifier=x", "--x\r\nbroken", `{"identifier":"jdoe"}`,
		good + "&token=" + strings.Repeat("A", 43) + "&password=x&confirm_password=x",
		good + "&code=123456&trust=on", good + "&mobile=%2B447700900123&current_password=x",
		good + "&username=new&email=new%40example.com&role=owner", good + "&password_min_length=3&two_factor=required",
		good + "&member_ids=" + victim.ID + "&member_ids=nope&display_name=%00"} {
		f.Add("application/x-www-form-urlencoded", []byte(b))
	}
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"+s.csrfToken+"\r\n--x--\r\n"))
	f.Add("application/json", []byte(`{"csrf_token":"`+s.csrfToken+`"}`))
	f.Add("text/plain; charset=\xff", []byte(good))
	f.Add("application/x-www-form-urlencoded", []byte(good+"&identifier="+strings.Repeat("a", 70<<10)))
	check := func(t *testing.T, path, ctype string, body []byte, w *httptest.ResponseRecorder) {
		t.Helper()
		switch {
		case w.Code >= 500:
			t.Fatalf("POST %s (%q, %d bytes): %d\n%.300s", path, ctype, len(body), w.Code, w.Body)
		case w.Code == http.StatusSeeOther || w.Code == http.StatusFound:
			s.checkLocation(t, w)
		case w.Code != http.StatusOK && w.Code < 400:
			t.Fatalf("POST %s: %d", path, w.Code)
		}
		if len(body) > 64<<10 && strings.HasPrefix(ctype, "application/x-www-form-urlencoded") && w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("POST %s with %d bytes: %d, want 413", path, len(body), w.Code)
		}
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		for _, path := range open {
			check(t, path, ctype, body, s.serve(http.MethodPost, path, ctype, s.csrfCookie, body))
		}
		for _, path := range signedIn {
			check(t, path, ctype, body, s.serve(http.MethodPost, path, ctype, ownerCookie, body))
		}
	})
}

// FuzzCookies sends any Cookie header: the session API and the account page
// answer as signed in only when the header carries the valid session cookie,
// and never with a 5xx; a form posted with the header is accepted only when it
// carries the anti-forgery cookie that matches the token.
func FuzzCookies(f *testing.F) {
	s := newFuzzServer(f)
	for _, c := range []string{"", "gatehouse_session=" + s.sessionToken, "gatehouse_session=" + s.sessionToken + "; gatehouse_session=x",
		"gatehouse_session=x; gatehouse_session=" + s.sessionToken, s.csrfCookie, s.csrfCookie + "; gatehouse_session=" + s.sessionToken,
		"gatehouse_session=" + strings.Repeat("A", 43), "gatehouse_session=\"" + s.sessionToken + "\"", "=", ";;;",
		"gatehouse_session=%00", "gatehouse_csrf=" + strings.Repeat("é", 30), "gatehouse_session=" + strings.ToUpper(s.sessionToken)} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, cookie string) {
		if strings.ContainsAny(cookie, "\r\n") {
			return // not a header value a client can send
		}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", cookie)
		got, _ := r.Cookie("gatehouse_session")
		signedIn := got != nil && got.Value == s.sessionToken

		api := s.serve(http.MethodGet, "/api/v1/session", "", cookie, nil)
		switch {
		case signedIn && api.Code != http.StatusOK:
			t.Fatalf("the valid session cookie got %d from the session API", api.Code)
		case !signedIn && api.Code != http.StatusUnauthorized:
			t.Fatalf("without the valid session cookie the session API answers %d: %.200s", api.Code, api.Body)
		}
		page := s.serve(http.MethodGet, "/account", "", cookie, nil)
		switch {
		case signedIn && page.Code != http.StatusOK:
			t.Fatalf("the valid session cookie got %d from /account", page.Code)
		case !signedIn && (page.Code != http.StatusSeeOther || !strings.Contains(page.Header().Get("Location"), "/login")):
			t.Fatalf("without the valid session cookie /account answers %d to %q", page.Code, page.Header().Get("Location"))
		}

		// The clock stays put here, so that the session stays valid; repeated
		// failed sign-ins then meet the throttle (429), which is fine.
		csrf, _ := r.Cookie("gatehouse_csrf")
		matches := csrf != nil && "gatehouse_csrf="+csrf.Value == s.csrfCookie
		body := []byte(url.Values{"csrf_token": {s.csrfToken}, "identifier": {"nobody"}, "password": {"wrong"}}.Encode())
		w := s.serve(http.MethodPost, "/login", "application/x-www-form-urlencoded", cookie, body)
		switch {
		case w.Code >= 500:
			t.Fatalf("POST /login: %d", w.Code)
		case matches && w.Code == http.StatusForbidden:
			t.Fatalf("the matching anti-forgery cookie was refused")
		case !matches && w.Code != http.StatusForbidden:
			t.Fatalf("a form without the matching anti-forgery cookie got %d", w.Code)
		}
	})
}

// FuzzCookieValue: cookieValue finds what r.Cookie finds, for any Cookie
// headers and any name.
func FuzzCookieValue(f *testing.F) {
	for _, c := range []string{"", "gatehouse_session=abc", " gatehouse_session = abc ; x=1", "gatehouse_session=\"abc\"",
		"gatehouse_session=\"", "gatehouse_session=a\\b; gatehouse_session=c", "a=1;;;gatehouse_session=", "x=é; gatehouse_session=b",
		"gatehouse_session", "=x; gatehouse_session=y", strings.Repeat(";", 3001) + "gatehouse_session=z"} {
		f.Add(c, "", "gatehouse_session")
	}
	f.Add("a=1", "a=2; b=3", "b")
	f.Add("\"q\"=1", "", "\"q\"")
	f.Fuzz(func(t *testing.T, line1, line2, name string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Cookie"] = []string{line1}
		if line2 != "" {
			r.Header["Cookie"] = append(r.Header["Cookie"], line2)
		}
		got, ok := web.CookieValue(r, name)
		c, err := r.Cookie(name)
		if want, wantOK := "", false; err == nil {
			want, wantOK = c.Value, true
			if got != want || ok != wantOK {
				t.Fatalf("cookieValue(%q) = %q, %v; r.Cookie: %q, %v", name, got, ok, want, wantOK)
			}
		} else if ok {
			t.Fatalf("cookieValue(%q) = %q, true; r.Cookie: %v", name, got, err)
		}
	})
}
