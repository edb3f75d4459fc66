package web

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
)

// Trusted browsers (/account/devices). "Sign out everywhere", which forgets them
// too, is an account page (account_sessions.go).

type devicesData struct {
	Devices   []*gatehouse.TrustedDevice
	CurrentID string // the device this browser's cookie names, if any
	TrustDays int
}

func (s twofactorPages) devicesPage(w http.ResponseWriter, r *http.Request) {
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.TwoFactor.TrustedDevices(r.Context(), m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "devices", &view{
		Title: "Trusted browsers", Org: set.BrandName(), Member: m, CSRF: s.csrfToken(w, r),
		Notice: notices[r.URL.Query().Get("done")],
		Data:   devicesData{Devices: list, TrustDays: set.TrustedDeviceDays},
	})
}

func (s twofactorPages) revokeDevice(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if err := s.TwoFactor.RevokeDevice(r.Context(), m, r.PathValue("id"), s.client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account/devices", url.Values{"done": {"device_revoked"}})
}

func (s twofactorPages) revokeDevices(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if _, err := s.TwoFactor.RevokeDevices(r.Context(), m, s.client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.clearDeviceCookie(w)
	s.redirect(w, r, "/account/devices", url.Values{"done": {"devices_revoked"}})
}
