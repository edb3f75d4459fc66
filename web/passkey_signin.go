package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/passkey"
	"github.com/gatehouse-auth/gatehouse/signin"
)

// Ceremonies of sign-in with a passkey. The options come from POST requests
// (with the anti-forgery token, like every form): making a challenge is a
// change of state. Before there is a session, the challenge is bound to the
// browser by a random value in the passkey cookie.

// passkeyCookieName is the cookie that binds a sign-in ceremony to the browser.
func (s passkeyPages) passkeyCookieName() string {
	if s.secure {
		return "__Host-gatehouse_passkey"
	}
	return "gatehouse_passkey"
}

// browserBinding returns the browser's passkey cookie, giving it one first
// when set is true and it has none.
func (s passkeyPages) browserBinding(w http.ResponseWriter, r *http.Request, set bool) string {
	if c, err := r.Cookie(s.passkeyCookieName()); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	if !set {
		return ""
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{
		Name: s.passkeyCookieName(), Value: v, Path: "/login", MaxAge: int(passkey.ChallengeTTL.Seconds()) * 2,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
	})
	return v
}

// options answers a ceremony's options as JSON, or the error as problem details.
func (s passkeyPages) options(w http.ResponseWriter, r *http.Request, opts []byte, err error) {
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(opts)
}

func (s passkeyPages) signInOptions(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	b := s.browserBinding(w, r, true)
	opts, err := s.Passkeys.BeginSignIn(r.Context(), s.orgID(r), passkey.BrowserBinding(b))
	s.options(w, r, opts, err)
}

func (s passkeyPages) secondFactorOptions(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	sess, m, err := s.current(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if sess == nil || sess.Stage != gatehouse.StageSecondFactor {
		s.problem(w, r, gatehouse.Errorf(gatehouse.Unauthorized, "web.secondFactorOptions", "This sign-in does not wait for a second factor. Start again."))
		return
	}
	opts, err := s.Passkeys.BeginSecondFactor(r.Context(), m, passkey.SessionBinding(sess.ID))
	s.options(w, r, opts, err)
}

// signIn finishes a sign-in with a passkey alone: the passkey proves both
// factors, so the session is active at once (or renews an expired password).
func (s passkeyPages) signIn(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	next := field(r, "next")
	res, err := s.SignIn.SignInWithPasskey(r.Context(), signin.PasskeySignInRequest{
		OrgID: s.orgID(r), Browser: s.browserBinding(w, r, false),
		Response: []byte(field(r, passkey.FieldResponse)), Client: s.client(r),
	})
	if err != nil {
		s.Metrics.signin(signinOutcome(err))
		st, msg, retry := s.errorInfo(r, err)
		if retry > 0 {
			setRetryAfter(w, retry)
		}
		if errors.Is(err, signin.ErrWrongCredentials) {
			msg = passkey.ErrRefused.Message
		}
		v := &view{Title: "Sign in", CSRF: s.csrfToken(w, r), Error: msg}
		signinPages(s).renderLogin(w, r, st, v, next)
		return
	}
	s.Metrics.signin("success")
	if old, m, err := s.current(r); err == nil && old != nil {
		_ = s.SignIn.SignOut(r.Context(), old, m, s.client(r))
	}
	s.setSession(w, res.Token)
	if res.Session.Stage != gatehouse.StageActive {
		s.redirect(w, r, stagePath(res.Session.Stage), nil)
		return
	}
	forwardPages(s).goNext(w, r, next) // a path here, or back to a protected application
}
