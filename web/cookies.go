package web

import (
	"net/http"
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
