package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// mailTo waits for an email to addr whose subject contains subject.
func mailTo(t *testing.T, s *webtest.Server, addr, subject string) gatehousetest.Received {
	t.Helper()
	for n := 1; ; n++ {
		msgs := s.SMTP.WaitFor(t, n, 10*time.Second)
		for _, m := range msgs {
			if len(m.To) == 1 && strings.EqualFold(m.To[0], addr) && strings.Contains(m.Subject, subject) {
				return m
			}
		}
		n = len(msgs)
	}
}

// askEmailChange asks, as b, to change field to addr.
func askEmailChange(b *webtest.Browser, field, addr, password string) *webtest.Response {
	return b.Submit("/account/profile", "/account/profile/email", url.Values{"field": {field}, "new_email": {addr}, "current_password": {password}})
}

// TestProfileName: a member changes their own name at once, audited with
// the old and new value; a name with a control character is refused,
// naming the field, and changes nothing.
func TestProfileName(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		mia := s.AddMember(t, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember)
		b := signedInAs(t, s, "mia")
		if r := b.Get("/account"); !strings.Contains(r.Body, `href="/account/profile" id="edit-profile"`) {
			t.Error("the account page does not lead to the profile")
		}
		r := b.Submit("/account/profile", "/account/profile/name", url.Values{"name": {"  Mia Lindqvist "}})
		if r.Status != http.StatusSeeOther || r.Location != "/account/profile?done=name_saved" {
			t.Fatalf("%d %s", r.Status, r.Location)
		}
		if got := s.Member(t, mia.ID).DisplayName; got != "Mia Lindqvist" {
			t.Errorf("name %q", got)
		}
		evs := s.Audit(t, gatehouse.EventMemberUpdated)
		if len(evs) != 1 || evs[0].ActorID != mia.ID || evs[0].Details["name"] != "Test mia → Mia Lindqvist" || evs[0].Details["via"] != "self" {
			t.Errorf("audit: %+v", evs)
		}
		r = b.Post("/account/profile/name", url.Values{"name": {"Mia\x07"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="name-error"`) || s.Member(t, mia.ID).DisplayName != "Mia Lindqvist" {
			t.Errorf("control character: %d", r.Status)
		}
		if r := s.Browser(t).Post("/account/profile/name", url.Values{"name": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("without the anti-forgery token: %d", r.Status)
		}
	})
}

// TestEmailChangeConfirmed: the address changes only when the link sent to
// the new address is used. The link is on the public URL and carries a
// 256-bit token of which only the hash is stored; opening it changes
// nothing until its button is pressed; then the change is made, audited,
// told to the old and the new address, and reset links sent to the old
// address stop working. The link works once.
func TestEmailChangeConfirmed(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		mia := s.AddMember(t, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember)
		// A reset link already in the old mailbox.
		s.Browser(t).RequestReset("mia@example.com", nil)
		reset := gatehousetest.LinkIn(mailTo(t, s, "mia@example.com", "Reset"))

		b := signedInAs(t, s, "mia")
		r := askEmailChange(b, "email", "mia.new@example.org", goodPassword)
		if r.Status != http.StatusSeeOther || r.Location != "/account/profile?done=email_link_sent" {
			t.Fatalf("ask: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		if s.Member(t, mia.ID).Email != "mia@example.com" {
			t.Fatal("the address changed before the link was opened")
		}
		page := strings.ReplaceAll(b.Follow(r).Body, "<wbr>", "")
		if !strings.Contains(page, `id="email-pending"`) || !strings.Contains(page, "mia.new@example.org") {
			t.Error("the profile does not show the change waiting")
		}
		mail := mailTo(t, s, "mia.new@example.org", "Confirm your new email address")
		link := gatehousetest.LinkIn(mail)
		if !strings.HasPrefix(link, s.URL+"/account/email/confirm?token=") {
			t.Fatalf("link %q is not on the public URL", link)
		}
		if strings.Contains(mail.Text, "mia@example.com") || strings.Contains(mail.Text, "mia,") {
			t.Error("the email to a new, unproven address tells whose account it is")
		}
		token := link[strings.Index(link, "token=")+len("token="):]
		if !secret.ValidToken(token) {
			t.Errorf("token %q is not 256 random bits", token)
		}
		if _, err := s.App.Profile.Store.EmailChange(t.Context(), token); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Error("the token itself is stored")
		}
		if _, err := s.App.Profile.Store.EmailChange(t.Context(), secret.HashToken(token)); err != nil {
			t.Errorf("the token's hash is not stored: %v", err)
		}

		// Opened in another browser, signed out: a page with a button.
		other := s.Browser(t)
		r = other.Get(link)
		if r.Status != http.StatusOK || !strings.Contains(strings.ReplaceAll(r.Body, "<wbr>", ""), "mia.new@example.org") || s.Member(t, mia.ID).Email != "mia@example.com" {
			t.Fatalf("opening the link: %d, email %s", r.Status, s.Member(t, mia.ID).Email)
		}
		r = other.Post("/account/email/confirm", url.Values{"token": {token}})
		if r.Status != http.StatusSeeOther || r.Location != "/account/email/confirmed" {
			t.Fatalf("confirm: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		if got := s.Member(t, mia.ID); got.Email != "mia.new@example.org" || !got.EmailVerified(got.Email) {
			t.Fatalf("email after confirming: %q, verified %q", got.Email, got.VerifiedEmail)
		}
		if ev := s.Audit(t, gatehouse.EventEmailChanged); len(ev) != 1 || ev[0].Details["old"] != "mia@example.com" || ev[0].Details["new"] != "mia.new@example.org" {
			t.Errorf("audit: %+v", ev)
		}
		if len(s.Audit(t, gatehouse.EventEmailChangeRequested)) != 1 {
			t.Error("the request is not audited")
		}
		for _, to := range []string{"mia@example.com", "mia.new@example.org"} {
			n := mailTo(t, s, to, "personal email address changed")
			if !strings.Contains(n.Text, "m•") && !strings.Contains(n.Text, "changed from") {
				t.Errorf("notice to %s: %s", to, n.Text)
			}
		}
		// Used once; the old mailbox's reset link is dead.
		if r := other.Post("/account/email/confirm", url.Values{"token": {token}}); r.Status != http.StatusGone {
			t.Errorf("second use: %d", r.Status)
		}
		if r := other.Get(link); r.Status != http.StatusGone {
			t.Errorf("opening a used link: %d", r.Status)
		}
		if r := s.Browser(t).Get(reset); r.Status != http.StatusGone {
			t.Errorf("a reset link sent to the old address still works: %d", r.Status)
		}
	})
}

// TestEmailChangeRefusals: a wrong current password, a bad address and the
// address already held are refused, naming the field, and send nothing.
func TestEmailChangeRefusals(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember)
		b := signedInAs(t, s, "mia")
		for _, c := range []struct {
			name, field, addr, password, wantField string
		}{
			{"wrong password", "email", "mia.new@example.org", "not the password", "current_password"},
			{"no password", "email", "mia.new@example.org", "", "current_password"},
			{"bad address", "email", "mia.new@", goodPassword, "new_email"},
			{"the same address", "email", "MIA@example.com", goodPassword, "new_email"},
			{"no such field", "mobile", "mia.new@example.org", goodPassword, "field"},
		} {
			r := askEmailChange(b, c.field, c.addr, c.password)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="`+c.wantField+`-error"`) {
				t.Errorf("%s: %d, no message next to %s", c.name, r.Status, c.wantField)
			}
		}
		if n := len(queued(t, s, gatehouse.KindEmailChange)); n != 0 {
			t.Errorf("%d links sent", n)
		}
	})
}

// TestEmailChangeNoEnumeration: asking for an address another member uses
// gets the very answer an unused address gets, so the requester learns
// nothing about other accounts; the address's owner is told instead of
// being sent a link, and the change can never be made. Confirming a change
// to an address another member has taken since is refused.
func TestEmailChangeNoEnumeration(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		mia := s.AddMember(t, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember)
		s.AddMember(t, "adam", "adam@example.com", goodPassword, gatehouse.RoleAdministrator)
		b := signedInAs(t, s, "mia")

		taken := askEmailChange(b, "email", "ADAM@example.com", goodPassword)
		takenPage := b.Follow(taken)
		free := askEmailChange(b, "email", "mia.other@example.org", goodPassword)
		freePage := b.Follow(free)
		if taken.Status != free.Status || taken.Location != free.Location || takenPage.Status != freePage.Status {
			t.Errorf("answers differ: %d %s / %d %s", taken.Status, taken.Location, free.Status, free.Location)
		}
		norm := func(body string) string {
			return regexp.MustCompile(`<strong>.*?</strong>`).ReplaceAllString(htmlBetween(body, `<main`, `</main>`), "X")
		}
		if norm(takenPage.Body) != norm(freePage.Body) {
			t.Errorf("the pages differ:\n%s\n----\n%s", norm(takenPage.Body), norm(freePage.Body))
		}
		told := mailTo(t, s, "ADAM@example.com", "not added")
		if gatehousetest.LinkIn(told) != "" || strings.Contains(told.Text, "mia") {
			t.Errorf("the owner of the address got a link or the requester's name:\n%s", told.Text)
		}
		inUse := 0
		for _, e := range s.Audit(t, gatehouse.EventEmailChangeRequested) {
			if e.Details["address_in_use"] == "true" {
				inUse++
			}
		}
		if inUse != 1 {
			t.Errorf("%d requests audited with the address in use, want 1", inUse)
		}

		// The free address is confirmed after someone else has taken it.
		link := gatehousetest.LinkIn(mailTo(t, s, "mia.other@example.org", "Confirm"))
		s.AddMember(t, "mia2", "mia.other@example.org", goodPassword, gatehouse.RoleMember)
		holder := s.Browser(t)
		holder.Get(link)
		r := holder.Post("/account/email/confirm", url.Values{"token": {link[strings.Index(link, "token=")+6:]}})
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Another account uses this address") {
			t.Errorf("confirming a taken address: %d", r.Status)
		}
		if s.Member(t, mia.ID).Email != "mia@example.com" {
			t.Error("the taken address was given")
		}
		if evs := s.Audit(t, gatehouse.EventEmailChangeRefused); len(evs) != 1 || evs[0].Details["reason"] != "address_in_use" {
			t.Errorf("refusal audit: %+v", evs)
		}
	})
}

// TestEmailChangeLinkRace: the link pressed in several browsers at the same
// moment makes the change once: one press succeeds, the others find the
// link used; one change is audited and one notice goes to the old address.
func TestEmailChangeLinkRace(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		mia := s.AddMember(t, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember)
		b := signedInAs(t, s, "mia")
		askEmailChange(b, "email", "mia.new@example.org", goodPassword)
		link := gatehousetest.LinkIn(mailTo(t, s, "mia.new@example.org", "Confirm"))
		token := link[strings.Index(link, "token=")+6:]
		const n = 6
		browsers := make([]*webtest.Browser, n)
		for i := range browsers {
			browsers[i] = s.Browser(t)
			browsers[i].Get(link)
		}
		statuses := make([]int, n)
		var start, wg sync.WaitGroup
		start.Add(1)
		for i, br := range browsers {
			wg.Go(func() {
				start.Wait()
				statuses[i] = br.Post("/account/email/confirm", url.Values{"token": {token}}).Status
			})
		}
		start.Done()
		wg.Wait()
		won := 0
		for _, st := range statuses {
			switch st {
			case http.StatusSeeOther:
				won++
			case http.StatusGone:
			default:
				t.Errorf("status %d", st)
			}
		}
		if won != 1 || s.Member(t, mia.ID).Email != "mia.new@example.org" {
			t.Errorf("%d presses won: %v", won, statuses)
		}
		if n := len(s.Audit(t, gatehouse.EventEmailChanged)); n != 1 {
			t.Errorf("%d changes audited", n)
		}
		if n := len(queued(t, s, gatehouse.KindSecurityNotice)); n != 2 {
			t.Errorf("%d notices, want one to the old and one to the new address", n)
		}
	})
}

// TestEmailChangeLinkEnds: a link stops working when it expires, when a
// newer change is asked for, when the member calls the change off, and
// when the address it replaces was changed meanwhile by an administrator.
func TestEmailChangeLinkEnds(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		mia := s.AddMember(t, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember)
		s.AddMember(t, "adam", "adam@example.com", goodPassword, gatehouse.RoleAdministrator)
		b := signedInAs(t, s, "mia")
		press := func(link string) int {
			o := s.Browser(t)
			if r := o.Get(link); r.Status != http.StatusOK {
				return r.Status
			}
			return o.Post("/account/email/confirm", url.Values{"token": {link[strings.Index(link, "token=")+6:]}}).Status
		}
		ask := func(addr string) string {
			if r := askEmailChange(b, "email", addr, goodPassword); r.Status != http.StatusSeeOther {
				t.Fatalf("ask %s: %d", addr, r.Status)
			}
			return gatehousetest.LinkIn(mailTo(t, s, addr, "Confirm"))
		}

		expired := ask("one@example.org")
		s.Clock.Advance(24*time.Hour + time.Second)
		if st := press(expired); st != http.StatusGone {
			t.Errorf("expired: %d", st)
		}
		b = signedInAs(t, s, "mia")
		first := ask("two@example.org")
		second := ask("three@example.org")
		if st := press(first); st != http.StatusGone {
			t.Errorf("superseded: %d", st)
		}
		r := b.Submit("/account/profile", "/account/profile/email/cancel", nil)
		if r.Status != http.StatusSeeOther || strings.Contains(b.Follow(r).Body, `id="email-pending"`) {
			t.Errorf("cancel: %d", r.Status)
		}
		if st := press(second); st != http.StatusGone {
			t.Errorf("called off: %d", st)
		}
		if len(s.Audit(t, gatehouse.EventEmailChangeCancelled)) != 1 {
			t.Error("calling off is not audited")
		}

		stale := ask("four@example.org")
		admin := signedInAs(t, s, "adam")
		admin.Submit("/admin/members/"+mia.ID, "/admin/members/"+mia.ID+"/profile", url.Values{"email": {"mia.corrected@example.com"}, "was_email": {"mia@example.com"}})
		if s.Member(t, mia.ID).Email != "mia.corrected@example.com" {
			t.Fatal("the administrator's change did not take")
		}
		if st := press(stale); st != http.StatusConflict || s.Member(t, mia.ID).Email != "mia.corrected@example.com" {
			t.Errorf("changed meanwhile: %d, %s", st, s.Member(t, mia.ID).Email)
		}
		if s.Member(t, mia.ID).Email == "four@example.org" {
			t.Error("a stale link changed the address")
		}
	})
}

// TestEmailChangeThrottled: each request emails an address the member
// chooses, so a member may ask five times an hour; the sixth is refused with
// Retry-After and sends nothing.
func TestEmailChangeThrottled(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember)
		b := signedInAs(t, s, "mia")
		for i := range 5 {
			if r := askEmailChange(b, "email", "new"+string(rune('a'+i))+"@example.org", goodPassword); r.Status != http.StatusSeeOther {
				t.Fatalf("request %d: %d", i+1, r.Status)
			}
		}
		r := askEmailChange(b, "email", "newf@example.org", goodPassword)
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
			t.Errorf("sixth request: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
		}
		if n := len(queued(t, s, gatehouse.KindEmailChange)); n != 5 {
			t.Errorf("%d links sent", n)
		}
	})
}
