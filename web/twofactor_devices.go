package web

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
)

// Trusted browsers (/account/devices) and "sign out everywhere".

type devicesData struct {
	Devices   []*gatehouse.TrustedDevice
	CurrentID string // the device this browser's cookie names, if any
	TrustDays int
}

func (s *Server) devicesPage(w http.ResponseWriter, r *http.Request) {
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.Account.TrustedDevices(r.Context(), m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "devices", &view{
		Title: "Trusted browsers", Org: set.OrganizationName, Member: m, CSRF: s.csrfToken(w, r),
		Notice: notices[r.URL.Query().Get("done")],
		Data:   devicesData{Devices: list, TrustDays: set.TrustedDeviceDays},
	})
}

func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if err := s.Account.RevokeDevice(r.Context(), m, r.PathValue("id"), s.client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account/devices", url.Values{"done": {"device_revoked"}})
}

func (s *Server) revokeDevices(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if _, err := s.Account.RevokeDevices(r.Context(), m, s.client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.clearDeviceCookie(w)
	s.redirect(w, r, "/account/devices", url.Values{"done": {"devices_revoked"}})
}

// signOutEverywhere ends every session of the member, this one too, and forgets
// every trusted browser.
func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if err := s.Account.SignOutEverywhere(r.Context(), m, s.client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.clearSession(w)
	s.clearDeviceCookie(w)
	s.redirect(w, r, "/login", url.Values{"done": {"signed_out_everywhere"}})
}
