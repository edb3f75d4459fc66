package web

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// /account/pin: a member sets or changes their support PIN (S28), with which
// the service desk verifies them on the telephone. Owners must have one when
// the organization's support_pin_required_for_owners is on; their account page
// says so until they do.

func init() {
	notices["pin_set"] = "Your support PIN has been saved. Give it only to the service desk, on a call you expected."
}

type pinPage struct {
	HasPIN   bool
	Required bool
}

// pinRequired reports whether the organization asks m to set a support PIN.
func pinRequired(set *gatehouse.Settings, m *gatehouse.Member) bool {
	return set.SupportPINRequiredForOwners && m.Role == gatehouse.RoleOwner
}

func (s accountPages) renderPIN(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, st int, v *view) {
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Title, v.Org, v.Member, v.CSRF = "Support PIN", set.BrandName(), m, s.csrfToken(w, r)
	v.Data = pinPage{HasPIN: m.SupportPINHash != "", Required: pinRequired(&set, m)}
	s.render(w, r, st, "account_pin", v)
}

func (s accountPages) pinPage(w http.ResponseWriter, r *http.Request) {
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	s.renderPIN(w, r, m, http.StatusOK, &view{})
}

func (s accountPages) pinSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	err := s.Account.SetSupportPIN(r.Context(), account.SetSupportPINRequest{
		Member: m, Current: field(r, account.FieldCurrentPassword), PIN: field(r, account.FieldPIN),
		Confirm: field(r, account.FieldConfirmPIN), Client: s.client(r),
	})
	if err != nil {
		st, msg, retry := s.errorInfo(r, err)
		if retry > 0 {
			setRetryAfter(w, retry)
		}
		v := &view{}
		v.fieldErrors(err, msg)
		s.renderPIN(w, r, m, st, v)
		return
	}
	s.redirect(w, r, "/account", url.Values{"done": {"pin_set"}})
}
