package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/session"
)

// The forced password renewal after a sign-in (/login/renew). It shows the
// password form of the account pages (account_password.go).

// renewPage is the forced password change after a sign-in with an expired or
// flagged password: the session can do nothing else until it is done (S8).
func (s signinPages) renewPage(w http.ResponseWriter, r *http.Request) {
	sess, m, err := s.current(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sess == nil {
		s.redirect(w, r, "/login", nil)
		return
	}
	if sess.Stage != gatehouse.StageRenewPassword {
		s.redirect(w, r, stagePath(sess.Stage), nil)
		return
	}
	v, d, err := accountPages(s).passwordView(r, m, "Choose a new password")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Renew, d.Action, d.Current = true, "/login/renew", false
	if next := r.URL.Query().Get("next"); next != "" {
		d.Action += "?" + url.Values{"next": {forwardPages(s).nextParam(next)}}.Encode()
	}
	d.Reason = "Your password has expired."
	if m.MustChangePassword {
		d.Reason = "You need to choose a new password before you continue."
	}
	v.Member = nil
	v.CSRF = s.csrfToken(w, r)
	s.render(w, r, http.StatusOK, "password", v)
}

func (s signinPages) renewSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, err := s.current(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if sess == nil {
		s.redirect(w, r, "/login", nil)
		return
	}
	token, err := s.Account.RenewPassword(r.Context(), account.RenewPasswordRequest{
		Session: sess, Member: m, New: field(r, account.FieldNewPassword), Confirm: field(r, account.FieldConfirmPassword), Client: s.client(r),
	})
	if err != nil {
		if gatehouse.IsCode(err, gatehouse.Forbidden) {
			s.redirect(w, r, stagePath(sess.Stage), nil)
			return
		}
		if errors.Is(err, session.ErrNoSession) {
			s.clearSession(w)
			s.redirect(w, r, "/login", nil)
			return
		}
		accountPages(s).passwordFailed(w, r, m, err, "Choose a new password", "renew")
		return
	}
	s.setSession(w, token) // a new secret: the one that could only renew no longer works
	if next := r.URL.Query().Get("next"); next != "" {
		if sess.Stage == gatehouse.StageActive {
			forwardPages(s).goNext(w, r, next)
		} else {
			s.redirect(w, r, stagePath(sess.Stage), url.Values{"next": {forwardPages(s).nextParam(next)}})
		}
		return
	}
	s.redirect(w, r, stagePath(sess.Stage), url.Values{"done": {"password_changed"}})
}
