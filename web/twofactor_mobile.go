package web

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/phone"
	"github.com/gatehouse-auth/gatehouse/twofactor"
)

// The member's mobile number (S14): /account/mobile asks for the current
// password and the new number, /account/mobile/confirm for the code sent to it.

type mobileData struct {
	Confirm bool                  // the confirmation step
	Pending *twofactor.CodeStatus // the code sent to the new number
}

func (s twofactorPages) mobileView(r *http.Request, m *gatehouse.Member, title string) (*view, error) {
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		return nil, err
	}
	return &view{Title: title, Org: set.BrandName(), Member: m, Form: map[string]string{}}, nil
}

func (s twofactorPages) mobilePage(w http.ResponseWriter, r *http.Request) {
	_, m, ok := s.enrolling(w, r)
	if !ok {
		return
	}
	v, err := s.mobileView(r, m, "Your mobile number")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.CSRF = s.csrfToken(w, r)
	v.Data = mobileData{}
	s.render(w, r, http.StatusOK, "mobile", v)
}

func (s twofactorPages) mobileSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.enrolling(w, r)
	if !ok {
		return
	}
	typed := field(r, twofactor.FieldMobile)
	e164, err := phone.ParseNumber(typed, "")
	if err == nil {
		err = s.Mobile.StartMobileChange(r.Context(), twofactor.MobileChangeRequest{
			Session: sess, Member: m, Password: field(r, account.FieldCurrentPassword), Mobile: e164, Client: s.client(r),
		})
	}
	if err != nil {
		s.mobileFailed(w, r, m, err, mobileData{}, typed)
		return
	}
	s.redirect(w, r, "/account/mobile/confirm", nil)
}

// mobileFailed shows a mobile form again with the reasons next to the fields.
func (s twofactorPages) mobileFailed(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, err error, d mobileData, typed string) {
	st, msg, retry := s.errorInfo(r, err)
	if retry > 0 {
		setRetryAfter(w, retry)
	}
	v, verr := s.mobileView(r, m, "Your mobile number")
	if verr != nil {
		s.fail(w, r, verr)
		return
	}
	v.CSRF = s.csrfToken(w, r)
	v.Form[twofactor.FieldMobile] = typed
	v.fieldErrors(err, msg)
	v.Data = d
	s.render(w, r, st, "mobile", v)
}

func (s twofactorPages) mobileConfirmPage(w http.ResponseWriter, r *http.Request) {
	sess, m, ok := s.enrolling(w, r)
	if !ok {
		return
	}
	p, err := s.Mobile.PendingMobile(r.Context(), sess)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p == nil {
		s.redirect(w, r, "/account/mobile", nil)
		return
	}
	v, err := s.mobileView(r, m, "Confirm your new mobile number")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.CSRF = s.csrfToken(w, r)
	if r.URL.Query().Get("done") == "sent" {
		v.Notice = "We have sent you a new code."
	}
	v.Data = mobileData{Confirm: true, Pending: p}
	s.render(w, r, http.StatusOK, "mobile", v)
}

func (s twofactorPages) mobileConfirmSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.enrolling(w, r)
	if !ok {
		return
	}
	was := m.Mobile
	err := s.Mobile.ConfirmMobileChange(r.Context(), sess, m, field(r, twofactor.FieldCode), s.client(r))
	if err != nil {
		p, perr := s.Mobile.PendingMobile(r.Context(), sess)
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		if p == nil {
			s.redirect(w, r, "/account/mobile", nil)
			return
		}
		s.mobileFailed(w, r, m, err, mobileData{Confirm: true, Pending: p}, "")
		return
	}
	if sess.Stage == gatehouse.StageSetupSecondFactor {
		s.redirect(w, r, "/login/setup", nil)
		return
	}
	done := "mobile_changed"
	if m.Mobile == was {
		done = "mobile_verified" // the member's own number, set by an administrator
	}
	s.redirect(w, r, "/account", url.Values{"done": {done}})
}

func (s twofactorPages) mobileResend(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.enrolling(w, r)
	if !ok {
		return
	}
	if err := s.Mobile.ResendMobileCode(r.Context(), sess, m, s.client(r)); err != nil {
		p, perr := s.Mobile.PendingMobile(r.Context(), sess)
		if perr != nil || p == nil {
			s.fail(w, r, err)
			return
		}
		s.mobileFailed(w, r, m, err, mobileData{Confirm: true, Pending: p}, "")
		return
	}
	s.redirect(w, r, "/account/mobile/confirm", url.Values{"done": {"sent"}})
}

func (s twofactorPages) mobileRemove(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if err := s.Mobile.RemoveMobile(r.Context(), m, field(r, account.FieldCurrentPassword), s.client(r)); err != nil {
		s.mobileFailed(w, r, m, err, mobileData{}, "")
		return
	}
	s.redirect(w, r, "/account", url.Values{"done": {"mobile_removed"}})
}
