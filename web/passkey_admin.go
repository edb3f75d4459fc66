package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/passkey"
)

// The member's second factors on the viewer member page, and their removal by
// an administrator (the service desk's "I lost my phone"): one passkey or all
// of them, behind the page's confirmation step. Only an owner changes an
// owner's.

type memberFactors struct {
	App              bool
	AppSince         string
	RecoveryCodes    int
	Mobile           string // masked, "" when none
	MobileVerified   bool   // a code sent to it came back
	Passkeys         []*passkey.Passkey
	Browsers         int
	BrowsersLastUsed time.Time
	CanManage        bool // the actor may remove them
	SetupRequired    bool // the member sets one up at the next sign-in
}

func (s passkeyPages) memberFactors(r *http.Request, actor gatehouse.Actor, m *gatehouse.Member) (*memberFactors, error) {
	ctx := r.Context()
	st, err := s.TwoFactor.AuthenticatorState(ctx, m)
	if err != nil {
		return nil, err
	}
	f := &memberFactors{App: st.Enrolled, AppSince: st.EnrolledAt, RecoveryCodes: st.RecoveryCodes,
		CanManage:     gatehouse.MayAdminister("web.memberFactors", actor, gatehouse.ActionSecondFactors, m) == nil,
		SetupRequired: m.MustSetUpSecondFactor}
	if m.Mobile != "" {
		f.Mobile, f.MobileVerified = gatehouse.MaskPhone(m.Mobile), m.MobileVerified()
	}
	devices, err := s.TwoFactor.TrustedDevices(ctx, m)
	if err != nil {
		return nil, err
	}
	f.Browsers = len(devices)
	for _, d := range devices {
		if d.LastUsedAt.After(f.BrowsersLastUsed) {
			f.BrowsersLastUsed = d.LastUsedAt
		}
	}
	if s.Passkeys != nil {
		if f.Passkeys, err = s.Passkeys.List(ctx, m); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// adminRemove removes one passkey of the member ({passkey}) or all of them.
func (s passkeyPages) adminRemove(w http.ResponseWriter, r *http.Request) {
	if !s.available(w, r) || !s.parseForm(w, r) {
		return
	}
	a := adminPages(s)
	viewer, actor, ok := a.admin(w, r)
	if !ok {
		return
	}
	target, err := s.Admin.Member(r.Context(), actor, s.orgID(r), r.PathValue("id"))
	if err != nil {
		a.adminFail(w, r, viewer, err)
		return
	}
	n, err := s.Passkeys.RemoveByAdministrator(r.Context(), actor, target, r.PathValue("passkey"), s.client(r))
	if err != nil {
		a.adminFail(w, r, viewer, err)
		return
	}
	s.redirect(w, r, "/admin/members/"+url.PathEscape(target.ID), url.Values{"done": {"passkeys_removed"}, "n": {strconv.Itoa(n)}})
}
