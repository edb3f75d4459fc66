package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// queued returns the messages of kind in the outbox, sent or not.
func queued(t *testing.T, s *webtest.Server, kind string) []*gatehouse.Message {
	t.Helper()
	all, _, err := s.Store.Messages(t.Context(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []*gatehouse.Message
	for _, m := range all {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// TestForgotAnswersLookAlike sends the form for an existing account and for
// every case that must send nothing, and checks that all get the same status,
// the same redirect and the same page, and that only the first queues a mail.
func TestForgotAnswersLookAlike(t *testing.T) {
	webtest.Each(t, webtest.Options{NoWorker: true}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "known", "known@example.com", goodPassword, gatehouse.RoleMember)
		s.AddMember(t, "twin1", "shared@example.com", goodPassword, gatehouse.RoleMember)
		s.AddMember(t, "twin2", "other@example.com", goodPassword, gatehouse.RoleMember)
		twin2, _ := s.Store.MemberByUsername(t.Context(), gatehouse.DefaultOrgID, "twin2")
		twin2.WorkEmail = "Shared@Example.com" // the same address as twin1's personal one (S18)
		s.Overwrite(t, twin2)
		s.AddMember(t, "never", "never@example.com", "", gatehouse.RoleMember)
		dis := s.AddMember(t, "disabled", "dis@example.com", goodPassword, gatehouse.RoleMember)
		dis.State = gatehouse.StateDisabled
		s.Overwrite(t, dis)
		exp := s.AddMember(t, "expired", "exp@example.com", goodPassword, gatehouse.RoleMember)
		exp.ExpiresAt = s.Clock.Now().Add(-time.Hour)
		s.Overwrite(t, exp)
		s.AddMember(t, "admin", "admin@example.com", goodPassword, gatehouse.RoleAdministrator)
		s.AddMember(t, "owner", "owner@example.com", goodPassword, gatehouse.RoleOwner)
		activations := len(queued(t, s, gatehouse.KindActivation))

		cases := []struct{ name, id, reason string }{
			{"existing account", "KNOWN@example.com", ""},
			{"unknown account", "nobody@example.com", "unknown_identifier"},
			{"unknown username", "nobody", "unknown_identifier"},
			{"address of two accounts", "shared@example.com", "ambiguous_identifier"},
			{"never activated", "never", "account_never_activated"},
			{"disabled", "dis@example.com", "account_disabled"},
			{"expired", "expired", "account_expired"},
			{"administrator", "admin", "administrator"},
			{"owner", "owner@example.com", "administrator"},
			{"overlong identifier", strings.Repeat("x", 300) + "@example.com", "unknown_identifier"},
		}
		var first *webtest.Response
		var firstPage string
		for _, c := range cases {
			b := s.Browser(t)
			r := b.RequestReset(c.id, nil)
			if first == nil {
				first = r
			}
			if r.Status != first.Status || r.Location != first.Location || r.Body != first.Body {
				t.Errorf("%s: answer %d %q differs from the existing account's %d %q", c.name, r.Status, r.Location, first.Status, first.Location)
			}
			page := b.Follow(r)
			if !strings.Contains(page.Body, "If an account matches, we have sent an email with a link") {
				t.Errorf("%s: the page lacks the one answer", c.name)
			}
			if firstPage == "" {
				firstPage = page.Body
			} else if page.Body != firstPage {
				t.Errorf("%s: the page after the request differs", c.name)
			}
		}
		if first.Status != http.StatusSeeOther || first.Location != "/forgot-password?done=sent" {
			t.Errorf("answer: %d %s", first.Status, first.Location)
		}
		resets := queued(t, s, gatehouse.KindReset)
		if len(resets) != 1 || resets[0].To != "known@example.com" {
			t.Fatalf("queued reset emails: %+v", resets)
		}
		if n := len(queued(t, s, gatehouse.KindActivation)); n != activations {
			t.Errorf("activation emails went from %d to %d", activations, n)
		}
		reasons := map[string]bool{}
		for _, e := range s.Audit(t, gatehouse.EventResetRefused) {
			reasons[e.Details["reason"]] = true
			if strings.Contains(e.Details["identifier"], "token") {
				t.Errorf("odd audit detail %v", e.Details)
			}
		}
		for _, c := range cases[1:] {
			if !reasons[c.reason] {
				t.Errorf("no refusal audited with reason %q (%s)", c.reason, c.name)
			}
		}
		if n := len(s.Audit(t, gatehouse.EventResetRequested)); n != 1 {
			t.Errorf("%d reset.requested events", n)
		}
		// Refusals about one known account name it, for the administrators.
		named := map[string]bool{}
		for _, e := range s.Audit(t, gatehouse.EventResetRefused) {
			if e.MemberID != "" {
				named[e.Details["reason"]] = true
			}
		}
		for _, r := range []string{"account_never_activated", "account_disabled", "account_expired", "administrator"} {
			if !named[r] {
				t.Errorf("the refusal %q does not name the account", r)
			}
		}
		if named["ambiguous_identifier"] || named["unknown_identifier"] {
			t.Error("a refusal names an account although the identifier named none or several")
		}
	})
}

// TestAdministratorsMayResetWhenAllowed turns reset_for_administrators on (S22).
func TestAdministratorsMayResetWhenAllowed(t *testing.T) {
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"reset_for_administrators": "on"}})
	s.AddMember(t, "owner", "owner@example.com", goodPassword, gatehouse.RoleOwner)
	b := s.Browser(t)
	link := resetLink(t, s, b, "owner", "owner@example.com", 1)
	if r := submitReset(b, link, newPasswordForm(newPassword)); r.Status != http.StatusSeeOther {
		t.Fatalf("owner reset: %d", r.Status)
	}
	s.Browser(t).SignIn("owner", newPassword, "/account")
}

// TestResetHourlyCap checks the per-account limit: the fourth request in an hour
// sends nothing and says the same; an hour later requests work again.
func TestResetHourlyCap(t *testing.T) {
	s := webtest.New(t, webtest.Options{NoWorker: true})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	ids := []string{"jdoe", "jane@example.com", "JDOE", "jdoe"}
	for i, id := range ids {
		s.Clock.Advance(time.Minute)
		r := s.Browser(t).RequestReset(id, nil)
		if r.Status != http.StatusSeeOther || r.Location != "/forgot-password?done=sent" {
			t.Fatalf("request %d: %d %s", i+1, r.Status, r.Location)
		}
	}
	if n := len(queued(t, s, gatehouse.KindReset)); n != 3 {
		t.Errorf("%d reset emails after 4 requests, want 3 (reset_requests_per_hour)", n)
	}
	refused := s.Audit(t, gatehouse.EventResetRefused)
	if len(refused) != 1 || refused[0].Details["reason"] != "too_many_requests" {
		t.Errorf("refusals: %+v", refused)
	}
	s.Clock.Advance(time.Hour)
	s.Browser(t).RequestReset("jdoe", nil)
	if n := len(queued(t, s, gatehouse.KindReset)); n != 4 {
		t.Errorf("an hour later: %d emails, want 4", n)
	}
}

// TestForgotThrottledPerAddress checks the per-address limit across accounts.
func TestForgotThrottledPerAddress(t *testing.T) {
	s := webtest.New(t, webtest.Options{NoWorker: true, Settings: map[string]string{"captcha": "off"}})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	for i := range 30 {
		b.RequestReset("someone"+string(rune('a'+i%26))+string(rune('a'+i/26)), nil)
	}
	r := b.RequestReset("jdoe", nil)
	if r.Status != http.StatusSeeOther || r.Location != "/forgot-password?done=sent" {
		t.Fatalf("throttled request: %d %s, want the usual answer", r.Status, r.Location)
	}
	if n := len(queued(t, s, gatehouse.KindReset)); n != 0 {
		t.Errorf("%d emails sent past the per-address limit", n)
	}
	throttled := 0
	for _, e := range s.Audit(t, gatehouse.EventResetRefused) {
		if e.Details["reason"] == "address_throttled" {
			throttled++
		}
	}
	if throttled != 1 {
		t.Errorf("%d requests audited as throttled, want 1", throttled)
	}
	s.Clock.Advance(time.Hour)
	b.RequestReset("jdoe", nil)
	if n := len(queued(t, s, gatehouse.KindReset)); n != 1 {
		t.Errorf("an hour later: %d emails", n)
	}
}

// TestForgotPasswordDisabled turns the flow off (S3): no link, no pages.
func TestForgotPasswordDisabled(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	link := resetLink(t, s, s.Browser(t), "jdoe", "jane@example.com", 1)
	if _, err := s.Admin.UpdateSettings(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID,
		map[string]string{"forgot_password_enabled": "off"}); err != nil {
		t.Fatal(err)
	}
	b := s.Browser(t)
	if r := b.Get("/login"); strings.Contains(r.Body, "/forgot-password") || strings.Contains(r.Body, "Forgot password") {
		t.Error("the sign-in page still links to the forgotten-password page")
	}
	for _, p := range []string{"/forgot-password", "/forgot-password?done=sent", link} {
		if r := b.Get(p); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.Status)
		}
	}
	if r := b.Post("/forgot-password", url.Values{"identifier": {"jdoe"}}); r.Status != http.StatusNotFound {
		t.Errorf("POST /forgot-password: %d", r.Status)
	}
	if r := b.Post("/reset-password", url.Values{"token": {tokenOf(t, link)}, "new_password": {newPassword}, "confirm_password": {newPassword}}); r.Status != http.StatusNotFound {
		t.Errorf("POST /reset-password: %d", r.Status)
	}
	s.Browser(t).SignIn("jdoe", goodPassword, "/account")
}
