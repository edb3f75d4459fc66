package web

import (
	"net/http"
	"strings"
	"time"
)

// cookies names, sets and reads Gatehouse's cookies: the session, the trusted
// browser and the anti-forgery cookie. On https they are Secure and __Host-
// prefixed (the browser then takes them only host-only and for path /); a
// session cookie with a Domain (forward-auth's CookieDomain) is __Secure-.
type cookies struct {
	secure bool
	domain string // the session cookie's Domain: Config.CookieDomain
}

// SessionCookieName returns the name of the session cookie: __Host- prefixed on
// https, so the browser accepts it only Secure, host-only and for path /.
func (c cookies) SessionCookieName() string {
	if c.domain != "" {
		// A cookie with a Domain cannot be __Host-; __Secure- still asks for https.
		if c.secure {
			return "__Secure-gatehouse_session"
		}
		return "gatehouse_session"
	}
	if c.secure {
		return "__Host-gatehouse_session"
	}
	return "gatehouse_session"
}

// setSession gives the browser a new session cookie. It carries no expiry: the
// server decides when a session ends, and the browser forgets it on exit.
func (c cookies) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: c.SessionCookieName(), Value: token, Path: "/", Domain: c.domain, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
}

func (c cookies) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: c.SessionCookieName(), Value: "", Path: "/", Domain: c.domain, MaxAge: -1, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	})
}

// DeviceCookieName returns the name of the trusted-browser cookie: __Host-
// prefixed on https, like the session cookie.
func (c cookies) DeviceCookieName() string {
	if c.secure {
		return "__Host-gatehouse_device"
	}
	return "gatehouse_device"
}

// deviceCookie returns the browser's trusted-browser cookie, or "".
func (c cookies) deviceCookie(r *http.Request) string {
	if ck, err := r.Cookie(c.DeviceCookieName()); err == nil && len(ck.Value) <= 128 {
		return ck.Value
	}
	return ""
}

// setDeviceCookie remembers a trusted browser. It is HttpOnly and SameSite=Strict:
// only Gatehouse's own sign-in form ever needs it.
func (c cookies) setDeviceCookie(w http.ResponseWriter, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: c.DeviceCookieName(), Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
}

func (c cookies) clearDeviceCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: c.DeviceCookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteStrictMode,
	})
}

func (c cookies) csrfCookieName() string {
	if c.secure {
		return "__Host-gatehouse_csrf"
	}
	return "gatehouse_csrf"
}

// cookieValue returns the value of the first cookie named name in the
// request's Cookie headers, as r.Cookie(name).Value would, without the
// slice and the Cookie that r.Cookie allocates on every call: the session
// check reads two cookies on every request (FuzzCookieValue compares the
// two).
func cookieValue(r *http.Request, name string) (string, bool) {
	lines := r.Header["Cookie"]
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > 3000 {
		// Past net/http's default limit on the cookies it parses (which a
		// GODEBUG setting may move): let it decide.
		c, err := r.Cookie(name)
		if err != nil {
			return "", false
		}
		return c.Value, true
	}
	for _, line := range lines {
		line = trimCookieSpace(line)
		var part string
		for len(line) > 0 {
			part, line, _ = strings.Cut(line, ";")
			part = trimCookieSpace(part)
			if part == "" {
				continue
			}
			n, v, _ := strings.Cut(part, "=")
			if trimCookieSpace(n) != name || name == "" || !validCookieName(name) {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if !validCookieValue(v) {
				continue
			}
			return v, true
		}
	}
	return "", false
}

// trimCookieSpace trims ASCII white space as net/textproto.TrimString does.
func trimCookieSpace(s string) string {
	isSpace := func(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// validCookieName: a token (RFC 7230), as net/http requires.
func validCookieName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return s != ""
}

// validCookieValue: the bytes net/http accepts in a cookie's value.
func validCookieValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == ';' || c == '\\' {
			return false
		}
	}
	return true
}
