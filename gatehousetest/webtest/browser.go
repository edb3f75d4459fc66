package webtest

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Browser is an HTTP client with cookies that does not follow redirects on its
// own, so tests can check where each answer sends it.
type Browser struct {
	t      testing.TB
	s      *Server
	Client *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// AcceptLanguage, when set, is sent as the Accept-Language header.
	AcceptLanguage string
	csrf           string
}

// Response is a read answer.
type Response struct {
	Status   int
	Header   http.Header
	Body     string
	Location string // the redirect target, as a path when it is on the server
}

// Browser returns a new browser with an empty cookie jar.
func (s *Server) Browser(t testing.TB) *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{t: t, s: s, UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", Client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// From makes the browser connect from the loopback address ip (such as
// 127.0.0.2), so that tests can act from two client addresses; it returns b.
func (b *Browser) From(ip string) *Browser {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	b.Client.Transport = &http.Transport{DialContext: d.DialContext}
	return b
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *Browser) do(r *http.Request) *Response {
	b.t.Helper()
	r.Header.Set("User-Agent", b.UserAgent)
	if b.AcceptLanguage != "" {
		r.Header.Set("Accept-Language", b.AcceptLanguage)
	}
	resp := roundTrip(b.t, b.Client, r)
	if m := csrfRe.FindStringSubmatch(resp.Body); m != nil {
		b.csrf = m[1]
	}
	return resp
}

// Get fetches a path (or an absolute URL).
func (b *Browser) Get(path string) *Response {
	b.t.Helper()
	r, err := http.NewRequest(http.MethodGet, b.abs(path), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(r)
}

// Post submits a form to path with the anti-forgery token of the last page seen.
func (b *Browser) Post(path string, form url.Values) *Response {
	b.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if f.Get("csrf_token") == "" && b.csrf != "" {
		f.Set("csrf_token", b.csrf)
	}
	r, err := http.NewRequest(http.MethodPost, b.abs(path), strings.NewReader(f.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(r)
}

// Submit loads page (to get its anti-forgery token) and posts form to action.
func (b *Browser) Submit(page, action string, form url.Values) *Response {
	b.t.Helper()
	if r := b.Get(page); r.Status != http.StatusOK && r.Status != http.StatusSeeOther {
		b.t.Fatalf("GET %s: %d\n%s", page, r.Status, r.Body)
	}
	return b.Post(action, form)
}

// Follow fetches the Location of a redirect.
func (b *Browser) Follow(r *Response) *Response {
	b.t.Helper()
	if r.Location == "" {
		b.t.Fatalf("not a redirect: %d\n%s", r.Status, r.Body)
	}
	return b.Get(r.Location)
}

// SignIn signs in through the form and fails the test unless it lands at want.
func (b *Browser) SignIn(identifier, password, want string) *Response {
	b.t.Helper()
	r := b.Submit("/login", "/login", url.Values{"identifier": {identifier}, "password": {password}})
	if r.Status != http.StatusSeeOther || r.Location != want {
		b.t.Fatalf("sign-in as %s: %d to %q, want 303 to %q\n%s", identifier, r.Status, r.Location, want, r.Body)
	}
	return r
}

// Cookie returns the value of the named cookie for the server, or "".
func (b *Browser) Cookie(name string) string {
	u, _ := url.Parse(b.s.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// AbsURL returns the absolute URL of a path on the server.
func (b *Browser) AbsURL(path string) string { return b.abs(path) }

// Do sends r with the browser's cookies and user agent.
func (b *Browser) Do(r *http.Request) *Response {
	b.t.Helper()
	return b.do(r)
}

func (b *Browser) abs(path string) string {
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		return path
	}
	return b.s.URL + path
}

func roundTrip(t testing.TB, c interface {
	Do(*http.Request) (*http.Response, error)
}, r *http.Request) *Response {
	t.Helper()
	resp, err := c.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	loc := resp.Header.Get("Location")
	if u, err := url.Parse(loc); err == nil && loc != "" && u.Host == r.URL.Host {
		loc = u.RequestURI()
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Location: loc}
}
