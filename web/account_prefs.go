package web

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
	"github.com/gatehouse-auth/gatehouse/prefs"
)

// prefsPages are the member's own language and time zone, on the account
// page (issue 18).
type prefsPages struct{ *Server }

func (s prefsPages) routes() {
	s.route("POST /account/preferences", s.preferencesSubmit)
}

// preferencesData is the form of the account page's language and time zone.
type preferencesData struct {
	Language, TimeZone string
	Languages          []languageOption
	Zones              []string
}

func (s prefsPages) preferencesData(language, zone string) preferencesData {
	return preferencesData{Language: language, TimeZone: zone, Languages: offeredLanguages(s.cat), Zones: commonZones}
}

func (s prefsPages) preferencesSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sess, m, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if s.Prefs == nil {
		s.renderError(w, r, http.StatusNotFound, "There is no page at this address.")
		return
	}
	p := prefs.Preferences{Language: field(r, "language"), TimeZone: field(r, "time_zone")}
	if err := s.Prefs.Set(r.Context(), gatehouse.MemberActor(m), s.client(r), m.ID, p); err != nil {
		if !gatehouse.IsCode(err, gatehouse.Invalid) {
			s.fail(w, r, err)
			return
		}
		st, msg, _ := s.errorInfo(r, err)
		v := &view{}
		v.fieldErrors(err, msg)
		accountPages(s).showAccount(w, r, sess, m, st, v, p.Language, p.TimeZone)
		return
	}
	s.redirect(w, r, "/account", url.Values{"done": {"preferences_saved"}})
}

// offeredLanguages are the languages a person may choose, each named in
// itself.
func offeredLanguages(c *i18n.Catalog) []languageOption {
	var out []languageOption
	for _, code := range c.Offered() {
		out = append(out, languageOption{code, c.Name(code)})
	}
	return out
}

// commonZones are offered as suggestions for the time zone; any IANA name
// is accepted.
var commonZones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris", "Europe/Berlin",
	"Europe/Amsterdam", "Europe/Zurich", "Europe/Vienna", "Europe/Rome", "Europe/Stockholm", "Europe/Warsaw",
	"Europe/Athens", "Europe/Helsinki", "Europe/Istanbul", "Africa/Lagos", "Africa/Johannesburg", "Africa/Nairobi",
	"Asia/Dubai", "Asia/Kolkata", "Asia/Bangkok", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Asia/Singapore",
	"Asia/Kuala_Lumpur", "Asia/Manila", "Asia/Hong_Kong", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul",
	"Australia/Perth", "Australia/Sydney", "Pacific/Auckland", "America/St_Johns", "America/Halifax",
	"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
	"America/Anchorage", "Pacific/Honolulu", "America/Mexico_City", "America/Bogota", "America/Lima",
	"America/Santiago", "America/Argentina/Buenos_Aires", "America/Sao_Paulo",
}
