package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/twofactor"
	"github.com/skip2/go-qrcode"
)

// The member's authenticator app and recovery codes (/account/two-factor).

type twoFactorData struct {
	*twofactor.AuthenticatorState
	QR template.URL // the QR code of a pending app, as a data: URL (the CSP allows img-src data:)
}

type recoveryCodesData struct {
	Codes    []string
	Enrolled bool   // just after setting up the app
	Next     string // where "I have saved them" goes
}

func (s twofactorPages) twoFactorView(r *http.Request, m *gatehouse.Member) (*view, error) {
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		return nil, err
	}
	st, err := s.TwoFactor.AuthenticatorState(r.Context(), m)
	if err != nil {
		return nil, err
	}
	d := twoFactorData{AuthenticatorState: st}
	if st.Pending != nil {
		png, err := qrcode.Encode(st.Pending.URL, qrcode.Medium, 240)
		if err != nil {
			return nil, gatehouse.Wrap("web.twoFactorView", err)
		}
		// Built here from our own bytes, so it is safe to mark as a URL.
		d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	}
	return &view{Title: "Two-step sign-in", Org: set.BrandName(), Member: m, Data: d}, nil
}

func (s twofactorPages) twoFactorPage(w http.ResponseWriter, r *http.Request) {
	_, m, ok := s.enrolling(w, r)
	if !ok {
		return
	}
	v, err := s.twoFactorView(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.CSRF = s.csrfToken(w, r)
	v.Notice = notices[r.URL.Query().Get("done")]
	s.render(w, r, http.StatusOK, "twofactor", v)
}

// twoFactorFailed shows the page again with the reasons next to the fields.
func (s twofactorPages) twoFactorFailed(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, err error) {
	st, msg, retry := s.errorInfo(r, err)
	if retry > 0 {
		setRetryAfter(w, retry)
	}
	v, verr := s.twoFactorView(r, m)
	if verr != nil {
		s.fail(w, r, verr)
		return
	}
	v.CSRF = s.csrfToken(w, r)
	v.fieldErrors(err, msg)
	s.render(w, r, st, "twofactor", v)
}

func (s twofactorPages) enrolStart(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.enrolling(w, r)
	if !ok {
		return
	}
	if err := s.TwoFactor.StartEnrolment(r.Context(), m, field(r, account.FieldCurrentPassword), s.client(r)); err != nil {
		s.twoFactorFailed(w, r, m, err)
		return
	}
	s.redirect(w, r, "/account/two-factor", nil)
}

// enrolConfirm checks the app's first code and shows the recovery codes, once:
// the answer to the POST is the only page that ever holds them.
func (s twofactorPages) enrolConfirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.enrolling(w, r)
	if !ok {
		return
	}
	codes, err := s.TwoFactor.ConfirmEnrolment(r.Context(), m, field(r, twofactor.FieldCode), s.client(r))
	if err != nil {
		s.twoFactorFailed(w, r, m, err)
		return
	}
	s.clearDeviceCookie(w)
	s.showCodes(w, r, sess, m, codes, true)
}

func (s twofactorPages) appRemove(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if err := s.TwoFactor.RemoveAuthenticator(r.Context(), m, field(r, account.FieldCurrentPassword), s.client(r)); err != nil {
		s.twoFactorFailed(w, r, m, err)
		return
	}
	s.clearDeviceCookie(w)
	s.redirect(w, r, "/account/two-factor", url.Values{"done": {"app_removed"}})
}

func (s twofactorPages) recoveryCodesSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	codes, err := s.TwoFactor.RegenerateRecoveryCodes(r.Context(), m, field(r, account.FieldCurrentPassword), s.client(r))
	if err != nil {
		s.twoFactorFailed(w, r, m, err)
		return
	}
	s.showCodes(w, r, sess, m, codes, false)
}

func (s twofactorPages) renderRecoveryCodes(w http.ResponseWriter, r *http.Request, sess *gatehouse.Session, m *gatehouse.Member, codes []string, enrolled bool) {
	s.render(w, r, http.StatusOK, "recovery_codes", &view{
		Title: "Your recovery codes", Member: m, CSRF: s.csrfToken(w, r),
		Data: recoveryCodesData{Codes: codes, Enrolled: enrolled, Next: afterEnrolment(sess, "/account/two-factor")},
	})
}
