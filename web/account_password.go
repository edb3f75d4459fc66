package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/session"
)

// passwordData feeds the password forms: the rules, stated before the member
// types (S32), and the limits the strength meter uses.
type passwordData struct {
	Rules     []string
	MinLength int
	MaxLength int
	Allowed   bool
	Renew     bool   // the forced renewal after sign-in
	Reason    string // why a renewal is needed
	Action    string // the form's path
	Current   bool   // ask for the current password
}

func (s accountPages) passwordView(r *http.Request, m *gatehouse.Member, title string) (*view, *passwordData, error) {
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		return nil, nil, err
	}
	p := set.Policy()
	d := &passwordData{Rules: p.Rules(), MinLength: p.MinLength, MaxLength: p.MaxLength, Allowed: set.AllowPasswordChange,
		Action: "/account/password", Current: true}
	return &view{Title: title, Org: set.BrandName(), Member: m, Data: d}, d, nil
}

func (s accountPages) passwordPage(w http.ResponseWriter, r *http.Request) {
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	v, _, err := s.passwordView(r, m, "Change your password")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.CSRF = s.csrfToken(w, r)
	s.render(w, r, http.StatusOK, "password", v)
}

func (s accountPages) passwordSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	token, err := s.Account.ChangePassword(r.Context(), account.ChangePasswordRequest{
		Session: sess, Member: m, Current: field(r, account.FieldCurrentPassword),
		New: field(r, account.FieldNewPassword), Confirm: field(r, account.FieldConfirmPassword), Client: s.client(r),
	})
	if errors.Is(err, session.ErrNoSession) { // the session ended or changed while the form was sent
		s.redirect(w, r, "/login", nil)
		return
	}
	if err != nil {
		s.passwordFailed(w, r, m, err, "Change your password", "password")
		return
	}
	s.setSession(w, token) // a new secret: the one before the change no longer works
	s.redirect(w, r, "/account", url.Values{"done": {"password_changed"}})
}

// passwordFailed shows a password form again with the reasons next to the fields.
func (s accountPages) passwordFailed(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, err error, title, page string) {
	st, msg, retry := s.errorInfo(r, err)
	if retry > 0 {
		setRetryAfter(w, retry)
	}
	v, d, verr := s.passwordView(r, m, title)
	if verr != nil {
		s.fail(w, r, verr)
		return
	}
	if page == "renew" {
		d.Renew, d.Action, d.Current = true, "/login/renew", false
		if next := r.URL.Query().Get("next"); next != "" {
			d.Action += "?" + url.Values{"next": {forwardPages(s).nextParam(next)}}.Encode()
		}
		v.Member = nil
	}
	v.CSRF = s.csrfToken(w, r)
	v.fieldErrors(err, msg)
	// One message naming every unmet rule, next to the new-password field (S10).
	var rules []gatehouse.FieldError
	for _, f := range gatehouse.ErrorFields(err) {
		if f.Field == account.FieldNewPassword {
			rules = append(rules, f)
		}
	}
	if len(rules) > 0 {
		v.Fields[account.FieldNewPassword] = gatehouse.PasswordMessage(rules)
	}
	s.render(w, r, st, "password", v)
}
