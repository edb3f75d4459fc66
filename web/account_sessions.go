package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

type accountData struct {
	Sessions          []*gatehouse.Session
	CurrentID         string
	CanChangePassword bool
	PasswordExpires   time.Time
	// PINPrompt asks an owner to set the support PIN the organization requires (S28).
	PINPrompt bool
	// Prefs is the member's own language and time zone (account_prefs.go).
	Prefs preferencesData
}

func (s accountPages) accountPage(w http.ResponseWriter, r *http.Request) {
	sess, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	s.showAccount(w, r, sess, m, http.StatusOK, &view{Notice: notices[r.URL.Query().Get("done")]}, m.Language, m.TimeZone)
}

// showAccount renders the account page with v's notice or errors, and the
// preferences form showing language and zone.
func (s accountPages) showAccount(w http.ResponseWriter, r *http.Request, sess *gatehouse.Session, m *gatehouse.Member, st int, v *view, language, zone string) {
	set, err := s.Account.Settings(r.Context(), m.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := s.SignIn.Sessions(r.Context(), m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := accountData{Sessions: list, CurrentID: sess.ID, CanChangePassword: set.AllowPasswordChange,
		PINPrompt: pinRequired(&set, m) && m.SupportPINHash == "", Prefs: prefsPages(s).preferencesData(language, zone)}
	if set.PasswordMaxAgeDays > 0 && !m.PasswordChangedAt.IsZero() {
		d.PasswordExpires = m.PasswordChangedAt.AddDate(0, 0, set.PasswordMaxAgeDays)
	}
	v.Title, v.Org, v.Member, v.CSRF, v.Data = "Your account", set.BrandName(), m, s.csrfToken(w, r), d
	s.render(w, r, st, "account", v)
}

func (s accountPages) endSession(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if err := s.SignIn.EndSession(r.Context(), m, id, s.client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	if id == sess.ID {
		s.clearSession(w)
		s.redirect(w, r, "/login", url.Values{"done": {"signed_out"}})
		return
	}
	s.redirect(w, r, "/account", url.Values{"done": {"session_ended"}})
}

func (s accountPages) endOtherSessions(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if _, err := s.SignIn.EndOtherSessions(r.Context(), sess, m, s.client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirect(w, r, "/account", url.Values{"done": {"sessions_ended"}})
}

// signOutEverywhere ends every session of the member, this one too, and forgets
// every trusted browser.
func (s accountPages) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if err := s.SignIn.SignOutEverywhere(r.Context(), m, s.client(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.clearSession(w)
	s.clearDeviceCookie(w)
	s.redirect(w, r, "/login", url.Values{"done": {"signed_out_everywhere"}})
}
