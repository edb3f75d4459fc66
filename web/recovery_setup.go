package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/recovery"
)

type setupData struct {
	Token     string
	Rules     []string
	MinLength int
	MaxLength int
}

// setupPage is reached from the one-time link printed by `gatehouse serve` on a
// fresh installation; it creates the first owner.
func (s recoveryPages) setupPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if _, err := s.Recovery.CheckToken(r.Context(), s.orgID(r), token, gatehouse.PurposeSetup, s.client(r)); err != nil {
		s.linkInvalid(w, r, err, "setup")
		return
	}
	s.renderSetup(w, r, http.StatusOK, token, &view{})
}

func (s recoveryPages) renderSetup(w http.ResponseWriter, r *http.Request, st int, token string, v *view) {
	set, err := s.Account.Settings(r.Context(), s.orgID(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := set.Policy()
	v.Title, v.Org, v.CSRF = "Create the owner account", set.BrandName(), s.csrfToken(w, r)
	v.Data = setupData{Token: token, Rules: p.Rules(), MinLength: p.MinLength, MaxLength: p.MaxLength}
	s.render(w, r, st, "setup", v)
}

func (s recoveryPages) setupSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	token := field(r, "token")
	nm := gatehouse.NewMember{
		OrgID: s.orgID(r), Username: field(r, "username"), DisplayName: field(r, "name"), Email: field(r, "email"), Password: field(r, "password"),
	}
	// A second password that differs is told with every other problem.
	if !account.SamePassword(nm.Password, field(r, "confirm_password")) {
		nm.Refused = append(nm.Refused, gatehouse.FieldError{Field: "confirm_password", Code: gatehouse.RuleMismatch, Message: "The two passwords are not the same."})
	}
	_, err := s.Recovery.CompleteSetup(r.Context(), token, s.client(r), nm)
	if err == recovery.ErrLinkInvalid {
		s.linkInvalid(w, r, err, "setup")
		return
	}
	if err != nil {
		st, msg, _ := s.errorInfo(r, err)
		v := &view{Form: map[string]string{"username": nm.Username, "name": nm.DisplayName, "email": nm.Email}}
		v.fieldErrors(err, msg)
		if e := (*gatehouse.Error)(nil); errors.As(err, &e) && e.Message != "" && v.Fields["password"] != "" {
			v.Fields["password"] = e.Message
		}
		s.renderSetup(w, r, st, token, v)
		return
	}
	s.redirect(w, r, "/login", url.Values{"done": {"setup_done"}})
}

// linkData feeds the page shown for an unusable one-time link.
type linkData struct {
	Purpose string
	Restart string // where to start again
	Hint    string // what to do instead, when there is nowhere to start again
}

// linkInvalid shows the page for a used, superseded or expired link, with a way
// to start again (S6). Other errors get the usual error page: a client address
// that presented too many such links gets 429 with Retry-After, for valid and
// invalid links alike.
func (s recoveryPages) linkInvalid(w http.ResponseWriter, r *http.Request, err error, purpose string) {
	if err != recovery.ErrLinkInvalid {
		s.fail(w, r, err)
		return
	}
	d := linkData{Purpose: purpose, Restart: "/forgot-password"}
	switch purpose {
	case "setup":
		d.Restart = ""
		d.Hint = "Ask the person who runs this server for a new link (gatehouse serve prints one at each start while no owner exists)."
	case "activation":
		// Never-activated accounts cannot use the forgotten-password form (S22).
		d.Restart = ""
		d.Hint = "Ask your administrator to send you a new activation link. If your account is already active, sign in, or use \"Forgot password?\" on the sign-in page."
	}
	s.render(w, r, http.StatusGone, "link", &view{Title: "This link cannot be used", Data: d})
}
