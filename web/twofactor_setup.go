package web

import (
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/session"
)

// The setup of a second factor at sign-in (/login/setup): an administrator
// or owner who has no second factor that counts for them
// (two_factor_admin_methods) sets one up before anything else. The setup
// itself happens on the pages that make each factor (/account/two-factor,
// /account/passkeys, /account/mobile), which accept such a session
// (enrolling); they send it back here, where "Continue" moves it on.

// enrolling returns the session and member of a signed-in member, or of a
// sign-in that must set up a second factor; anything else is answered as
// signedIn does. Only the pages that set up a factor use it.
func (s twofactorPages) enrolling(w http.ResponseWriter, r *http.Request) (*gatehouse.Session, *gatehouse.Member, bool) {
	sess, m, err := s.current(r)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	if sess != nil && sess.Stage == gatehouse.StageSetupSecondFactor {
		return sess, m, true
	}
	return s.signedIn(w, r)
}

// afterEnrolment is where a page that set up a factor goes next: back to the
// setup of the sign-in when that is what the session is doing, else to path.
func afterEnrolment(sess *gatehouse.Session, path string) string {
	if sess.Stage == gatehouse.StageSetupSecondFactor {
		return "/login/setup"
	}
	return path
}

func (s twofactorPages) setupPage(w http.ResponseWriter, r *http.Request) {
	sess, m, err := s.current(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sess == nil || sess.Stage != gatehouse.StageSetupSecondFactor {
		s.redirect(w, r, stagePathOrLogin(sess), nil)
		return
	}
	s.renderSetup(w, r, http.StatusOK, &view{Title: "Set up a second factor", CSRF: s.csrfToken(w, r)}, m)
}

func (s twofactorPages) renderSetup(w http.ResponseWriter, r *http.Request, st int, v *view, m *gatehouse.Member) {
	opts, err := s.SignIn.SetupOptions(r.Context(), m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Org = set.BrandName()
	if s.Passkeys == nil {
		opts.Passkey = false
	}
	v.Data = opts
	s.render(w, r, st, "twofactor_setup", v)
}

func (s twofactorPages) setupSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, err := s.current(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sess == nil || sess.Stage != gatehouse.StageSetupSecondFactor {
		s.redirect(w, r, stagePathOrLogin(sess), nil)
		return
	}
	token, err := s.SignIn.FinishSetup(r.Context(), sess, m, s.client(r))
	if errors.Is(err, session.ErrNoSession) {
		s.redirect(w, r, "/login", nil)
		return
	}
	if err != nil {
		st, msg, _ := s.errorInfo(r, err)
		v := &view{Title: "Set up a second factor", CSRF: s.csrfToken(w, r), Error: msg}
		s.renderSetup(w, r, st, v, m)
		return
	}
	s.setSession(w, token) // a new secret: the one that could only set up no longer works
	s.redirect(w, r, stagePath(sess.Stage), nil)
}

// stagePathOrLogin is where a request without the right session goes.
func stagePathOrLogin(sess *gatehouse.Session) string {
	if sess == nil {
		return "/login"
	}
	return stagePath(sess.Stage)
}
