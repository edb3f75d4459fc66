package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/profile"
)

func init() {
	notices["name_saved"] = "Your name has been saved."
	notices["email_link_sent"] = "We sent a link to the new address. Your address changes when you open it."
	notices["email_change_cancelled"] = "The change of address was called off: its link no longer works."
}

type profileData struct {
	Pending  *profile.Pending
	Field    string // the address the form changes: profile.FieldEmail or FieldWorkEmail
	ValidFor string
}

func (s profilePages) renderProfile(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, st int, v *view) {
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pending, err := s.Profile.PendingEmailChange(r.Context(), m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Title, v.Org, v.Member, v.CSRF = "Your profile", set.BrandName(), m, s.csrfToken(w, r)
	if v.Form == nil {
		v.Form = map[string]string{}
	}
	if _, ok := v.Form["name"]; !ok {
		v.Form["name"] = m.DisplayName
	}
	d := profileData{Pending: pending, Field: v.Form["field"], ValidFor: humanDuration(profile.EmailChangeTTL)}
	if d.Field != profile.FieldWorkEmail {
		d.Field = profile.FieldEmail
	}
	v.Data = d
	s.render(w, r, st, "profile", v)
}

func (s profilePages) profilePage(w http.ResponseWriter, r *http.Request) {
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	s.renderProfile(w, r, m, http.StatusOK, &view{Notice: notices[r.URL.Query().Get("done")]})
}

// refused shows the profile page again with what was typed and why it was
// refused.
func (s profilePages) refused(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, err error, form map[string]string) {
	st, msg, retry := s.errorInfo(r, err)
	if retry > 0 {
		setRetryAfter(w, retry)
	}
	v := &view{Form: form}
	v.fieldErrors(err, msg)
	s.renderProfile(w, r, m, st, v)
}

func (s profilePages) nameSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	name := field(r, "name")
	if err := s.Profile.ChangeName(r.Context(), m, name, s.client(r)); err != nil {
		s.refused(w, r, m, err, map[string]string{"name": name})
		return
	}
	s.redirect(w, r, "/account/profile", url.Values{"done": {"name_saved"}})
}

func (s profilePages) emailSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	req := profile.EmailRequest{Field: field(r, "field"), NewEmail: field(r, profile.FieldNewEmail),
		Password: field(r, account.FieldCurrentPassword), Client: s.client(r)}
	if err := s.Profile.RequestEmailChange(r.Context(), m, req); err != nil {
		s.refused(w, r, m, err, map[string]string{"field": req.Field, profile.FieldNewEmail: req.NewEmail})
		return
	}
	s.redirect(w, r, "/account/profile", url.Values{"done": {"email_link_sent"}})
}

func (s profilePages) emailCancel(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if err := s.Profile.CancelEmailChange(r.Context(), m, s.client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account/profile", url.Values{"done": {"email_change_cancelled"}})
}

// confirmData feeds profile_email_confirm.html.
type confirmData struct {
	Token string
	Link  *profile.EmailLink
}

// confirmPage shows what a confirmation link would change, and a button that
// does it: opening the link alone changes nothing, so that a mail scanner
// that follows it does not confirm for the member.
func (s profilePages) confirmPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	l, err := s.Profile.CheckEmailLink(r.Context(), s.orgID(r), token)
	if err != nil {
		s.emailLinkFailed(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "profile_email_confirm", &view{Title: "Confirm your new email address", CSRF: s.csrfToken(w, r),
		Data: confirmData{Token: token, Link: l}})
}

func (s profilePages) confirmSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if err := s.Profile.ConfirmEmailChange(r.Context(), s.orgID(r), field(r, "token"), s.client(r)); err != nil {
		s.emailLinkFailed(w, r, err)
		return
	}
	s.redirect(w, r, "/account/email/confirmed", nil)
}

func (s profilePages) confirmedPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "profile_email_confirmed", &view{Title: "Email address confirmed"})
}

// emailLinkFailed shows why a confirmation link did nothing: a link that
// cannot be used (410), or a change refused at the last moment (409, with the
// reason, which only the holder of the new address sees).
func (s profilePages) emailLinkFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, profile.ErrLinkInvalid):
		s.render(w, r, http.StatusGone, "link", &view{Title: "This link cannot be used",
			Data: linkData{Purpose: "email", Hint: "Sign in and ask for a new link on your profile page, if you still want to change your address."}})
	case gatehouse.IsCode(err, gatehouse.Conflict):
		s.render(w, r, http.StatusConflict, "profile_email_confirmed", &view{Title: "The address was not changed", Error: gatehouse.ErrorMessage(err)})
	default:
		s.fail(w, r, err)
	}
}
