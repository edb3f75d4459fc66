package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestAuditNeverStoresUnknownIdentifiers: a password typed into the username
// field of the sign-in and forgotten-password forms (it names no member) is
// nowhere in the audit log, its page, its API or its CSV export: only three of
// its characters, visibly cut, and a keyed reference that is the same for the
// same text. A member's own identifier still names the member.
func TestAuditNeverStoresUnknownIdentifiers(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		const typed = "Zq7kWpLm2vX9rTy4bN8c" // someone's password, in the wrong field
		for range 2 {
			s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {typed}, "password": {"x"}})
		}
		s.Browser(t).RequestReset(typed, nil)
		s.Browser(t).RequestReset(typed, url.Values{"captcha_solution": {"0"}}) // a failed CAPTCHA
		s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {"mia"}, "password": {"wrong password"}})
		s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {"Q1w2E3r4T5y6"}, "password": {"x"}})

		admin := signedInAs(t, s, "adam")
		key := newAPIKey(t, s, "audit", gatehouse.RoleAdministrator)
		answers := map[string]*webtest.Response{
			"page":      admin.Get("/admin/audit"),
			"page 2":    admin.Get("/admin/audit?type=signin.failure"),
			"CSV":       admin.Get("/admin/audit.csv"),
			"API":       apiRequest(t, s, key, "GET", "/audit-events?limit=200", ""),
			"API typed": apiRequest(t, s, key, "GET", "/audit-events?type=reset.refused", ""),
		}
		for name, r := range answers {
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", name, r.Status)
			}
			for i := 0; i+4 <= len(typed); i++ {
				if strings.Contains(r.Body, typed[i:i+4]) {
					t.Errorf("%s holds %q, part of what was typed as the username", name, typed[i:i+4])
					break
				}
			}
			if !strings.Contains(r.Body, "Zq7…") {
				t.Errorf("%s does not show the redacted identifier", name)
			}
		}
		// The record of the typed text: cut, with one reference for one text.
		refs := map[string]bool{}
		var events []*gatehouse.AuditEvent
		for _, typ := range []gatehouse.EventType{gatehouse.EventSignInFailed, gatehouse.EventResetRefused, gatehouse.EventCaptchaFailed} {
			events = append(events, s.Audit(t, typ)...)
		}
		for _, e := range events {
			if e.MemberID != "" {
				if e.ActorName != "mia" || e.Details["identifier"] != "mia" {
					t.Errorf("a member's failure does not name her: %+v", e)
				}
				continue
			}
			if !strings.HasPrefix(e.ActorName, "Zq7… #") && !strings.HasPrefix(e.ActorName, "Q1w… #") {
				t.Errorf("%s: actor %q", e.Type, e.ActorName)
				continue
			}
			if strings.HasPrefix(e.ActorName, "Zq7") {
				refs[e.ActorName] = true
			}
			if id, ok := e.Details["identifier"]; ok && id != e.ActorName {
				t.Errorf("%s: details.identifier %q differs from the actor %q", e.Type, id, e.ActorName)
			}
		}
		if len(events) != 6 || len(refs) != 1 {
			t.Errorf("%d events, %d references for one text (%v); want 6 and 1", len(events), len(refs), refs)
		}
	})
}
