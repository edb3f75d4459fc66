package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// Anti-forgery tokens are signed double-submit tokens: a random value in a
// cookie, and in every form an HMAC of that value under a server key shared by
// the replicas. A forged form from another site cannot know the value. The cookie
// is HttpOnly and, on https, __Host- prefixed so no other host can plant one.

const csrfField = "csrf_token"

func (s *Server) csrfSign(value string) string {
	mac := hmac.New(sha256.New, s.csrfKey)
	mac.Write([]byte("csrf\x00" + value))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// csrfToken returns the token for the forms of this page, setting the cookie when
// the browser has none yet.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.csrfCookieName()); err == nil && len(c.Value) == 43 {
		return s.csrfSign(c.Value)
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{
		Name: s.csrfCookieName(), Value: v, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
	// Later reads in this request see the new cookie.
	r.AddCookie(&http.Cookie{Name: s.csrfCookieName(), Value: v})
	return s.csrfSign(v)
}

// csrfValid reports whether the form's token matches the cookie.
func (s *Server) csrfValid(r *http.Request) bool {
	c, err := r.Cookie(s.csrfCookieName())
	if err != nil || len(c.Value) != 43 {
		return false
	}
	got := r.PostFormValue(csrfField)
	want := s.csrfSign(c.Value)
	return len(got) == len(want) && hmac.Equal([]byte(got), []byte(want))
}
