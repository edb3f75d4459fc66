package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/signin"
)

// notices are the success messages a redirect may ask a page to show, by key, so
// that no text from the URL reaches the page.
var notices = map[string]string{
	"signed_out":       "You have signed out.",
	"password_changed": "Your password has been changed.",
	"password_reset":   "Your password has been changed. Sign in with your new password.",
	"activated":        "Your account is ready. Sign in with your new password.",
	"setup_done":       "Your owner account is ready. Sign in to continue.",
	"session_ended":    "The session has ended.",
	"sessions_ended":   "Your other sessions have ended.",

	"signed_out_everywhere": "You have signed out everywhere, and no browser is trusted any more.",
	"mobile_changed":        "Your mobile number has been changed.",
	"mobile_removed":        "Your mobile number has been removed.",
	"mobile_verified":       "Your mobile number is verified.",
	"device_revoked":        "That browser is no longer trusted.",
	"devices_revoked":       "No browser is trusted any more.",
	"app_removed":           "Your authenticator app has been removed.",
	"preferences_saved":     "Your language and time zone have been saved.",
}

type loginData struct {
	Next           string
	ForgotPassword bool
	Passkeys       bool // "Sign in with a passkey" (passkey_sign_in)
	NoOwner        bool // a fresh installation: the first owner is still to be created
}

func (s signinPages) home(w http.ResponseWriter, r *http.Request) {
	s.redirect(w, r, "/account", nil)
}

func (s signinPages) loginPage(w http.ResponseWriter, r *http.Request) {
	sess, _, err := s.current(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sess != nil && sess.Stage == gatehouse.StageActive {
		forwardPages(s).goNext(w, r, r.URL.Query().Get("next"))
		return
	}
	if sess != nil {
		var q url.Values
		if next := r.URL.Query().Get("next"); next != "" {
			q = url.Values{"next": {forwardPages(s).nextParam(next)}}
		}
		s.redirect(w, r, stagePath(sess.Stage), q)
		return
	}
	v := &view{Title: "Sign in", CSRF: s.csrfToken(w, r), Notice: notices[r.URL.Query().Get("done")],
		Form: map[string]string{"identifier": r.URL.Query().Get("login_hint")}}
	s.renderLogin(w, r, http.StatusOK, v, r.URL.Query().Get("next"))
}

func (s signinPages) renderLogin(w http.ResponseWriter, r *http.Request, st int, v *view, next string) {
	set, err := s.Account.Settings(r.Context(), s.orgID(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Org = set.BrandName()
	if next != "" {
		next = forwardPages(s).nextParam(next)
	}
	noOwner, err := s.Recovery.NeedsOwner(r.Context(), s.orgID(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Data = loginData{Next: next, ForgotPassword: set.ForgotPasswordEnabled, Passkeys: s.Passkeys != nil && set.PasskeySignIn, NoOwner: noOwner}
	s.render(w, r, st, "login", v)
}

func (s signinPages) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	identifier, password, next := field(r, "identifier"), field(r, "password"), field(r, "next")
	res, err := s.SignIn.SignIn(r.Context(), signin.SignInRequest{
		OrgID: s.orgID(r), Identifier: identifier, Password: password, Client: s.client(r),
		DeviceToken: s.deviceCookie(r),
	})
	if err != nil {
		s.Metrics.signin(signinOutcome(err))
		if gatehouse.IsCode(err, gatehouse.Unavailable) {
			s.shedWait(r)
		}
		st, msg, retry := s.errorInfo(r, err)
		if retry > 0 {
			setRetryAfter(w, retry)
		}
		v := &view{Title: "Sign in", CSRF: s.csrfToken(w, r), Form: map[string]string{"identifier": identifier}}
		v.fieldErrors(err, msg)
		s.renderLogin(w, r, st, v, next)
		return
	}
	s.Metrics.signin("success")
	// A new session id at every sign-in: the old one, if any, ends now.
	if old, m, err := s.current(r); err == nil && old != nil {
		_ = s.SignIn.SignOut(r.Context(), old, m, s.client(r))
	}
	s.setSession(w, res.Token)
	if res.Session.Stage != gatehouse.StageActive && next != "" {
		// The second factor or a forced renewal comes first; where the
		// sign-in was going (an application's authorization request, a
		// protected host) travels along.
		s.redirect(w, r, stagePath(res.Session.Stage), url.Values{"next": {forwardPages(s).nextParam(next)}})
		return
	}
	if res.Session.Stage != gatehouse.StageActive {
		s.redirect(w, r, stagePath(res.Session.Stage), nil)
		return
	}
	forwardPages(s).goNext(w, r, next)
}

// shedWait holds a request shed for overload for the shed delay, or until
// the client goes away.
func (s signinPages) shedWait(r *http.Request) {
	d := s.Config.ShedDelay
	if d == 0 {
		d = DefaultShedDelay
	}
	if d < 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

func signinOutcome(err error) string {
	switch {
	case errors.Is(err, signin.ErrWrongCredentials):
		return "failure"
	case gatehouse.IsCode(err, gatehouse.Throttled):
		return "throttled"
	case gatehouse.IsCode(err, gatehouse.Invalid):
		return "invalid"
	case gatehouse.IsCode(err, gatehouse.Unavailable):
		return "busy"
	}
	return "error"
}

func (s signinPages) logout(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, err := s.current(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sess != nil {
		if err := s.SignIn.SignOut(r.Context(), sess, m, s.client(r)); err != nil {
			s.fail(w, r, err)
			return
		}
		if s.OIDC != nil { // the applications signed in through this session sign out too
			if err := s.OIDC.Logouts.SessionEnded(r.Context(), s.orgID(r), m.ID, sess.ID, s.client(r)); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	s.clearSession(w)
	s.redirect(w, r, "/login", url.Values{"done": {"signed_out"}})
}
