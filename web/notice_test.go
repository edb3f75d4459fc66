package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// inbox follows the mail a test server delivers, step by step.
type inbox struct {
	s    *webtest.Server
	seen int
}

// expect waits for exactly the security notices of one change, one to each
// address in to, and returns them by address. Each must state the facts:
// when, from which address and browser, and where to go if it was not the
// member; every text in want must be in its subject or text and its HTML.
func (in *inbox) expect(t *testing.T, what string, to []string, want ...string) map[string]gatehousetest.Received {
	t.Helper()
	msgs := in.s.SMTP.WaitFor(t, in.seen+len(to), wait)
	got := map[string]gatehousetest.Received{}
	for _, m := range msgs[in.seen:] {
		got[m.To[0]] = m
	}
	n := len(msgs) - in.seen
	in.seen = len(msgs)
	if n != len(to) || len(got) != len(to) {
		t.Fatalf("%s: mail went to %v, want one each to %v", what, keys(got), to)
	}
	at := in.s.Clock.Now().UTC().Format("Monday 2 January 2006 at 15:04 UTC")
	for _, addr := range to {
		m, ok := got[addr]
		if !ok {
			t.Fatalf("%s: no notice to %s (mail went to %v)", what, addr, keys(got))
		}
		facts := append([]string{at, "From address: 127.0.0.1"}, want...)
		for _, w := range facts {
			if !strings.Contains(m.Subject+"\n"+m.Text, w) || !strings.Contains(m.Subject+m.HTML, htmlText(w)) {
				t.Errorf("%s: the notice to %s does not say %q\n%s\n%s", what, addr, w, m.Subject, m.Text)
			}
		}
		if !strings.Contains(m.Text, in.s.URL+"/account") {
			t.Errorf("%s: the notice to %s has no link to the account page\n%s", what, addr, m.Text)
		}
	}
	return got
}

// htmlText is how html/template writes s.
func htmlText(s string) string {
	return strings.NewReplacer("'", "&#39;", "+", "&#43;").Replace(s)
}

func keys(m map[string]gatehousetest.Received) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// notices counts the security notices in the outbox, sent or not: a change
// that queued nothing shows here at once, without waiting for the worker.
func notices(t *testing.T, s *webtest.Server) int {
	t.Helper()
	ms, _, err := s.Store.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.Kind == gatehouse.KindSecurityNotice {
			n++
		}
	}
	return n
}

// TestSecurityNoticesOfMemberChanges: a member who changes their mobile
// number, sets up or removes an authenticator app, makes new recovery codes
// or removes their number is emailed each change, with its time, address and
// browser and what to do if it was not them; starting a change that is never
// confirmed and a refused change send nothing.
func TestSecurityNoticesOfMemberChanges(t *testing.T) {
	eachTwoFactor(t, map[string]string{"two_factor": "optional"}, func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		in := &inbox{s: s.Server}
		alice := []string{"alice@example.com"}
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/account")
		ifNotYou := []string{"Browser: Firefox on Linux", "If it was not you", s.URL + "/forgot-password"}

		// A new number: nothing until the code confirms it.
		r := b.Submit("/account/mobile", "/account/mobile", url.Values{"current_password": {goodPassword}, "mobile": {newMobile}})
		wantStatus(t, "new number", r, http.StatusSeeOther, "/account/mobile/confirm")
		code := gatehouseCode(s.Twilio.WaitFor(t, 1, wait)[0].Body)
		if n := notices(t, s.Server); n != 0 {
			t.Fatalf("%d notices before the new number was confirmed", n)
		}
		s.Clock.Advance(3 * time.Minute)
		wantStatus(t, "confirm", b.Post("/account/mobile/confirm", url.Values{"code": {code}}), http.StatusSeeOther, "/account?done=mobile_changed")
		m := in.expect(t, "number changed", alice, append(ifNotYou, "mobile number changed", "•••• 0123", "•••• 3456")...)
		if strings.Contains(m["alice@example.com"].Text, newMobile) || strings.Contains(m["alice@example.com"].Text, "by an administrator") {
			t.Errorf("the notice shows the whole number or blames an administrator:\n%s", m["alice@example.com"].Text)
		}

		// An authenticator app, new recovery codes, the app removed.
		s.Clock.Advance(time.Minute)
		enrol(t, s, b)
		in.expect(t, "app set up", alice, append(ifNotYou, "authenticator app set up")...)
		r = b.Submit("/account/two-factor", "/account/two-factor/recovery-codes", url.Values{"current_password": {"wrong password!"}})
		wantStatus(t, "new codes with a wrong password", r, http.StatusUnprocessableEntity, "")
		if n := notices(t, s.Server); n != 2 {
			t.Fatalf("a refused change queued a notice: %d", n)
		}
		r = b.Submit("/account/two-factor", "/account/two-factor/recovery-codes", url.Values{"current_password": {goodPassword}})
		wantStatus(t, "new codes", r, http.StatusSeeOther, "/account/two-factor/recovery-codes")
		in.expect(t, "recovery codes", alice, append(ifNotYou, "new recovery codes", "the old ones no longer work")...)
		r = b.Submit("/account/two-factor", "/account/two-factor/app/remove", url.Values{"current_password": {goodPassword}})
		wantStatus(t, "remove the app", r, http.StatusSeeOther, "")
		in.expect(t, "app removed", alice, append(ifNotYou, "authenticator app removed", "one way fewer")...)

		// The number removed: a second factor gone.
		r = b.Submit("/account/mobile", "/account/mobile/remove", url.Values{"current_password": {goodPassword}})
		wantStatus(t, "remove the number", r, http.StatusSeeOther, "")
		in.expect(t, "number removed", alice, append(ifNotYou, "mobile number removed", "•••• 3456", "one way fewer")...)
	})
}

// TestSecurityNoticesOfAdministratorChanges: changes of a member's email
// addresses and mobile number by an administrator (admin page) or an
// application (API) are emailed to the member, and a change of address to the
// old address too; saving a record without such a change sends nothing, and
// an account that was never activated is not written to.
func TestSecurityNoticesOfAdministratorChanges(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		org := newAdminOrg(t, s)
		in := &inbox{s: s}
		admin := signedInAs(t, s, "adam")
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		page := "/admin/members/" + org.Member.ID
		profile := func(email, work, mobile, name string) *webtest.Response {
			return admin.Submit(page, page+"/profile", url.Values{"name": {name}, "email": {email}, "work_email": {work},
				"mobile": {mobile}, "role": {"member"}, "state": {"active"}, "expires": {""}})
		}
		patch := func(body string) {
			t.Helper()
			if r := apiRequest(t, s, key, http.MethodPatch, "/members/"+org.Member.ID, body); r.Status != http.StatusOK {
				t.Fatalf("PATCH %s: %d\n%s", body, r.Status, r.Body)
			}
		}
		byAdmin := []string{"by an administrator of", "Browser: Firefox on Linux", "tell your administrator"}
		byAPI := []string{"by an application connected to", "Browser: Go-http-client"}

		// The personal (and only) address: both the new and the old one hear.
		wantStatus(t, "new email", profile("newmia@example.org", "", "", "Mia"), http.StatusSeeOther, page+"?done=updated")
		got := in.expect(t, "email changed", []string{"newmia@example.org", "mia@example.com"},
			append(byAdmin, "personal email address changed", "m•••@example.com", "n•••@example.org")...)
		if strings.Contains(got["mia@example.com"].Text, "newmia@example.org") {
			t.Error("the old address was told the whole new address")
		}

		// Nothing that matters changed: no notice.
		before := notices(t, s)
		wantStatus(t, "the same record", profile("newmia@example.org", "", "", "Mia"), http.StatusSeeOther, page+"?done=unchanged")
		wantStatus(t, "a new name", profile("newmia@example.org", "", "", "Mia Example"), http.StatusSeeOther, page+"?done=updated")
		patch(`{"email": "NewMia@Example.org"}`)
		patch(`{"display_name": "Mia E."}`)
		if n := notices(t, s); n != before {
			t.Fatalf("%d notices for changes of no address, number or factor", n-before)
		}

		// A work address by the API: mail moves there, the old contact hears.
		s.Clock.Advance(time.Minute)
		patch(`{"work_email": "mia@work.example"}`)
		in.expect(t, "work email added", []string{"mia@work.example", "NewMia@Example.org"},
			append(byAPI, "work email address added", "m•••@work.example")...)

		// A number added by the API, removed by an administrator.
		patch(`{"mobile": "+44 7911 123456"}`)
		in.expect(t, "number added", []string{"mia@work.example"}, append(byAPI, "mobile number added", "•••• 3456")...)
		wantStatus(t, "number removed", profile("NewMia@Example.org", "mia@work.example", "", "Mia E."), http.StatusSeeOther, page+"?done=updated")
		in.expect(t, "number removed", []string{"mia@work.example"}, append(byAdmin, "mobile number removed", "one way fewer")...)

		// The work address removed: mail comes back to the personal one, and the
		// work address is told.
		patch(`{"work_email": ""}`)
		in.expect(t, "work email removed", []string{"NewMia@Example.org", "mia@work.example"}, append(byAPI, "work email address removed")...)

		// A never-activated account: an administrator fixing a mistyped address
		// writes to nobody.
		fresh := s.AddMember(t, "nina", "nina@exmaple.com", "", gatehouse.RoleMember)
		before = notices(t, s)
		if r := apiRequest(t, s, key, http.MethodPatch, "/members/"+fresh.ID, `{"email": "nina@example.com"}`); r.Status != http.StatusOK {
			t.Fatalf("fixing the address: %d", r.Status)
		}
		if n := notices(t, s); n != before {
			t.Error("a never-activated account got a security notice")
		}
	})
}
