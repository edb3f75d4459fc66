package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/factors"
)

// The admin area (/admin/...): pages for administrators and owners. Each handler
// parses, calls one use case of package account with the signed-in member as
// the actor, and renders; the rules (who may do what to whom) are in the use
// cases, so the pages and the API cannot disagree.

// adminNotices are the success messages of admin redirects, by key.
var adminNotices = map[string]string{
	"passkeys_removed":           "The member's passkeys have been removed; the member has been emailed.",
	"app_removed":                "The member's authenticator app has been removed; the member has been emailed.",
	"recovery_codes_invalidated": "The member's recovery codes no longer work; the member has been emailed.",
	"setup_required":             "The member will set up a second factor at their next sign-in; the member has been emailed.",
	"browsers_forgotten":         "No browser of the member is trusted any more; the member has been emailed.",
	"created":                    "The member has been created.",
	"created_activation":         "The member has been created and an activation email is on its way.",
	"updated":                    "The member's record has been saved.",
	"unchanged":                  "Nothing was changed.",
	"activation_sent":            "An activation email is on its way.",
	"password_set":               "The new password is set. The old one no longer works and every session of the member has ended.",
	"disabled":                   "The account is disabled and its sessions have ended.",
	"enabled":                    "The account is enabled.",
	"sessions_ended":             "Every session of the member has ended.",
	"throttle_lifted":            "The member's failed sign-ins are forgotten: they may sign in at once.",
	"deleted":                    "The member has been deleted.",
	"settings_saved":             "The settings have been saved.",
	"settings_unchanged":         "No setting was changed.",
	"key_revoked":                "The API key has been revoked. Requests with it are refused from now on.",
}

// adminData is what every admin page gets besides its own data: which tab of
// the admin menu is current, and who is acting.
type adminData struct {
	Tab   string
	Actor *gatehouse.Member
	Page  any
	// Brand is whether the organization's look (logo and texts) has its
	// page: the server has a brand service.
	Brand bool
}

// adminView returns the view of an admin page.
func (s adminPages) adminView(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, title, tab string, page any) *view {
	return &view{Title: title, Member: m, CSRF: s.csrfToken(w, r), Notice: adminNotices[r.URL.Query().Get("done")],
		Fields: map[string]string{}, Form: map[string]string{}, Data: &adminData{Tab: tab, Actor: m, Page: page, Brand: s.Brand != nil}}
}

// admin returns the signed-in administrator or owner and their actor. A
// visitor who is not signed in is sent to the sign-in page (and back here
// afterwards); a signed-in member without the role gets a 403 page, never a
// redirect that would loop.
func (s adminPages) admin(w http.ResponseWriter, r *http.Request) (*gatehouse.Member, gatehouse.Actor, bool) {
	_, m, ok := s.signedIn(w, r)
	if !ok {
		return nil, gatehouse.Actor{}, false
	}
	if !m.Role.IsAdmin() {
		s.forbidden(w, r, m, "This page is for administrators and owners of the organization.")
		return nil, gatehouse.Actor{}, false
	}
	return m, gatehouse.MemberActor(m), true
}

// forbidden renders the 403 page for a signed-in member, with the usual header.
func (s adminPages) forbidden(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, msg string) {
	s.render(w, r, http.StatusForbidden, "error", &view{Title: "Not allowed", Member: m, CSRF: s.csrfToken(w, r), Error: msg, Data: http.StatusForbidden})
}

// adminFail renders the error page for err, keeping the signed-in member's header.
func (s adminPages) adminFail(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, err error) {
	st, msg, retry := s.errorInfo(r, err)
	if retry > 0 {
		setRetryAfter(w, retry)
	}
	s.render(w, r, st, "error", &view{Title: http.StatusText(st), Member: m, CSRF: s.csrfToken(w, r), Error: msg, Data: st})
}

// pager links the pages of a list: keyset pagination goes forward only, so
// there is a link to the next page and one back to the first.
type pager struct {
	Next  string // URL of the next page, "" on the last
	First string // URL of the first page, "" on the first
}

// newPager builds the links of a list at path from the current query, with
// cursor replaced by next.
func newPager(path string, q url.Values, next string) pager {
	var p pager
	base := url.Values{}
	for k, v := range q {
		if k != "cursor" && k != "done" {
			base[k] = v
		}
	}
	if next != "" {
		n := url.Values{}
		for k, v := range base {
			n[k] = v
		}
		n.Set("cursor", next)
		p.Next = path + "?" + n.Encode()
	}
	if q.Get("cursor") != "" {
		p.First = path
		if len(base) > 0 {
			p.First += "?" + base.Encode()
		}
	}
	return p
}

// parseDate reads a date (YYYY-MM-DD) from a form: the zero time for "".
func parseDate(field, v string) (time.Time, *gatehouse.FieldError) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, &gatehouse.FieldError{Field: field, Code: "invalid", Message: "Enter a date like 2026-12-31."}
	}
	return t, nil
}

// stateLabel is how a state is shown.
func stateLabel(st gatehouse.State) string {
	switch st {
	case gatehouse.StateNeverActivated:
		return "never activated"
	case gatehouse.StateActive:
		return "active"
	case gatehouse.StateExpired:
		return "expired"
	case gatehouse.StateDisabled:
		return "disabled"
	}
	return string(st)
}

// memberRow is a member as the admin lists show it.
type memberRow struct {
	*gatehouse.Member
	State string   // the effective state at the time of the request
	Ways  []string // the second steps the member can use, in English words the page translates
}

// memberRows adds to each member the state and second steps the list shows.
// The second steps of the whole page come from one query (factors), however
// many rows there are; a page that cannot get them shows the rows without.
func (s adminPages) memberRows(r *http.Request, actor gatehouse.Actor, ms []*gatehouse.Member) []memberRow {
	now := s.now()
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	var sums map[string]factors.Summary
	if s.Factors != nil && len(ms) > 0 {
		var err error
		if sums, err = s.Factors.Summaries(r.Context(), actor, s.orgID(r), ids); err != nil {
			s.Log.WarnContext(r.Context(), "second steps of the member list", "err", err)
		}
	}
	out := make([]memberRow, len(ms))
	for i, m := range ms {
		row := memberRow{Member: m, State: stateLabel(m.EffectiveState(now))}
		var ways []string
		f := sums[m.ID]
		if f.App {
			ways = append(ways, "app")
		}
		switch {
		case f.Passkeys == 1:
			ways = append(ways, "passkey")
		case f.Passkeys > 1:
			ways = append(ways, fmt.Sprintf("%d passkeys", f.Passkeys)) // never 1: no plural form needed
		}
		if m.Mobile != "" {
			ways = append(ways, "text message")
		}
		row.Ways = ways
		out[i] = row
	}
	return out
}

// Template helpers of the admin pages, added to the shared function map
// before any template is parsed.
func init() {
	funcs["list"] = func(items ...string) []string { return items }
	funcs["stateName"] = func(st string) string { return stateLabel(gatehouse.State(st)) }
	funcs["settingRange"] = settingRange
}
