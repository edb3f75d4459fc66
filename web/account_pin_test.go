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

func setPIN(b *webtest.Browser, current, pin, confirm string) *webtest.Response {
	return b.Submit("/account/pin", "/account/pin", url.Values{"current_password": {current}, "pin": {pin}, "confirm_pin": {confirm}})
}

// TestSupportPINSet: a member sets a support PIN with their current password;
// weak or mismatched PINs are refused; it is stored as an argon2id hash; owners
// are prompted until they have one (S28).
func TestSupportPINSet(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		owner := signedInAs(t, s, "olivia")
		if r := owner.Get("/account"); !strings.Contains(r.Body, `<div class="suggestion" role="status" id="pin-prompt">`) {
			t.Error("an owner without a PIN is not prompted, or prompted in the style of an error")
		}
		member := signedInAs(t, s, "mia")
		if r := member.Get("/account"); strings.Contains(r.Body, `id="pin-prompt"`) || !strings.Contains(r.Body, `href="/account/pin"`) {
			t.Error("a member is prompted, or has no link to the PIN page")
		}
		for _, c := range []struct{ name, current, pin, confirm, field, want string }{
			{"wrong password", "not my password", "482913", "482913", "current_password", "not correct"},
			{"no password", "", "482913", "482913", "current_password", "Enter your current password"},
			{"too short", goodPassword, "48291", "48291", "pin", "6 to 8 digits"},
			{"too long", goodPassword, "482913571", "482913571", "pin", "6 to 8 digits"},
			{"letters", goodPassword, "48a913", "48a913", "pin", "only digits"},
			{"repeated", goodPassword, "777777", "777777", "pin", "too easy"},
			{"sequence", goodPassword, "123456", "123456", "pin", "too easy"},
			{"pairs", goodPassword, "121212", "121212", "pin", "too easy"},
			{"mismatch", goodPassword, "482913", "482914", "confirm_pin", "not the same"},
		} {
			r := setPIN(owner, c.current, c.pin, c.confirm)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(htmlBetween(r.Body, `id="`+c.field+`-error"`, "</p>"), c.want) {
				t.Errorf("%s: %d, want 422 with %q next to %s", c.name, r.Status, c.want, c.field)
			}
		}
		if got := s.Member(t, o.Owner.ID); got.SupportPINHash != "" {
			t.Fatal("a refused PIN was stored")
		}
		r := setPIN(owner, goodPassword, "482913", "482913")
		if r.Status != http.StatusSeeOther || r.Location != "/account?done=pin_set" {
			t.Fatalf("set: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		got := s.Member(t, o.Owner.ID)
		if !strings.HasPrefix(got.SupportPINHash, "$argon2id$") || strings.Contains(got.SupportPINHash, "482913") {
			t.Errorf("stored as %q", got.SupportPINHash)
		}
		if page := owner.Get("/account"); strings.Contains(page.Body, `id="pin-prompt"`) || !strings.Contains(page.Body, "Change support PIN") {
			t.Error("still prompted after setting a PIN")
		}
		evs := s.Audit(t, gatehouse.EventSupportPINSet)
		if len(evs) != 1 || evs[0].MemberID != o.Owner.ID || evs[0].Details["action"] != "set" {
			t.Errorf("audit: %+v", evs)
		}
		if r := setPIN(owner, goodPassword, "509173", "509173"); r.Status != http.StatusSeeOther {
			t.Errorf("change: %d", r.Status)
		}
		if evs := s.Audit(t, gatehouse.EventSupportPINSet); len(evs) != 2 {
			t.Errorf("%d PIN events after a change", len(evs))
		}
		// Wrong current passwords count towards the sign-in throttle.
		for range 6 {
			setPIN(member, "wrong", "482913", "482913")
		}
		if r := setPIN(member, goodPassword, "482913", "482913"); r.Status != http.StatusTooManyRequests {
			t.Errorf("after 6 wrong passwords: %d", r.Status)
		}
	})
}

func TestSupportPINNotRequired(t *testing.T) {
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"support_pin_required_for_owners": "off"}})
	newAdminOrg(t, s)
	if r := signedInAs(t, s, "olivia").Get("/account"); strings.Contains(r.Body, `id="pin-prompt"`) {
		t.Error("an owner is prompted though the setting is off")
	}
}

// TestSupportPINVerify: the service desk checks a caller's PIN on the member's
// page. Every check is audited; after five wrong PINs in an hour the member's
// checks are refused, even with the right PIN, until the hour is over.
func TestSupportPINVerify(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		if r := setPIN(signedInAs(t, s, "olivia"), goodPassword, "482913", "482913"); r.Status != http.StatusSeeOther {
			t.Fatal(r.Status)
		}
		desk := signedInAs(t, s, "adam")
		page := "/admin/members/" + o.Owner.ID
		check := func(pin string) *webtest.Response {
			return desk.Submit(page, page+"/verify-pin", url.Values{"pin": {pin}})
		}
		if r := check("482913"); r.Status != http.StatusOK || !strings.Contains(r.Body, "The PIN matches") {
			t.Fatalf("right PIN: %d", r.Status)
		}
		if r := check("48291"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="pin-error"`) {
			t.Errorf("malformed PIN: %d", r.Status)
		}
		for i := range 5 {
			if r := check("000111"); r.Status != http.StatusOK || !strings.Contains(r.Body, "does NOT match") {
				t.Fatalf("wrong PIN %d: %d", i+1, r.Status)
			}
		}
		s.Clock.Advance(30 * time.Minute)
		r := check("482913")
		if r.Status != http.StatusTooManyRequests || strings.Contains(r.Body, "The PIN matches") || !strings.Contains(r.Body, "Too many wrong PINs") {
			t.Errorf("after 5 wrong PINs, the right one: %d", r.Status)
		}
		if r.Header.Get("Retry-After") != "1800" {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		// Another member is not affected.
		mp := "/admin/members/" + o.Member.ID
		if r := desk.Submit(mp, mp+"/verify-pin", url.Values{"pin": {"482913"}}); r.Status != http.StatusOK || !strings.Contains(r.Body, "has not set a support PIN") {
			t.Errorf("another member: %d", r.Status)
		}
		s.Clock.Advance(31 * time.Minute)
		if r := check("482913"); r.Status != http.StatusOK || !strings.Contains(r.Body, "The PIN matches") {
			t.Errorf("an hour later: %d", r.Status)
		}
		results := map[string]int{}
		for _, e := range s.Audit(t, gatehouse.EventSupportPINChecked) {
			if e.ActorName != "adam" {
				t.Errorf("checked by %q", e.ActorName)
			}
			results[e.Details["result"]]++
		}
		want := map[string]int{"match": 2, "mismatch": 5, "malformed": 1, "throttled": 1, "not_set": 1}
		for k, v := range want {
			if results[k] != v {
				t.Errorf("audited results %v, want %v", results, want)
				break
			}
		}
		if got := s.Member(t, o.Owner.ID); got.State != gatehouse.StateActive {
			t.Error("PIN checks locked the owner's account")
		}
	})
}
