package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

const newMobile = "+447911123456"

// TestChangeMobile: the member changes their number after entering the
// current password; the number is saved only once the code sent to the new
// number comes back (S14).
func TestChangeMobile(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		m := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		b := s.Browser(t)
		s.signInWithCode(t, b, true)
		texts := len(s.Twilio.Messages())

		page := b.Get("/account/mobile")
		wantBody(t, "mobile page", page, "&#43;447700900123", `name="current_password"`, `name="mobile"`, `type="tel"`)
		r := b.Submit("/account/mobile", "/account/mobile", url.Values{"current_password": {"not my password"}, "mobile": {"+44 7911 123456"}})
		wantStatus(t, "wrong password", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "wrong password", r, "Your current password is not correct.", `value="&#43;44 7911 123456"`)
		for _, bad := range []string{"12345", "+44 20 7946 0000", "call me", aliceMobile} {
			r := b.Submit("/account/mobile", "/account/mobile", url.Values{"current_password": {goodPassword}, "mobile": {bad}})
			wantStatus(t, "number "+bad, r, http.StatusUnprocessableEntity, "")
			if !strings.Contains(r.Body, `id="mobile-error"`) {
				t.Errorf("%q: no error next to the number field", bad)
			}
		}
		if got := len(s.Twilio.Messages()); got != texts {
			t.Fatalf("a refused change sent a text")
		}

		s.Clock.Advance(time.Minute)
		r = b.Submit("/account/mobile", "/account/mobile", url.Values{"current_password": {goodPassword}, "mobile": {"+44 7911 123456"}})
		wantStatus(t, "change", r, http.StatusSeeOther, "/account/mobile/confirm")
		msgs := s.Twilio.WaitFor(t, texts+1, wait)
		sms := msgs[texts]
		if sms.To != newMobile || !strings.Contains(sms.Body, "confirm this mobile number") {
			t.Fatalf("confirmation text: %+v", sms)
		}
		if got := s.Member(t, m.ID).Mobile; got != aliceMobile {
			t.Fatalf("the number changed before confirmation: %s", got)
		}
		wantBody(t, "confirm page", b.Get("/account/mobile/confirm"), "•••• 3456", `name="code"`)
		code := gatehouseCode(sms.Body)
		wantStatus(t, "wrong code", b.Post("/account/mobile/confirm", url.Values{"code": {wrongCode(code)}}), http.StatusUnprocessableEntity, "")
		wantStatus(t, "right code", b.Post("/account/mobile/confirm", url.Values{"code": {code}}), http.StatusSeeOther, "/account?done=mobile_changed")
		if got := s.Member(t, m.ID).Mobile; got != newMobile {
			t.Fatalf("the number is %s after confirmation", got)
		}
		wantBody(t, "account page", b.Get("/account?done=mobile_changed"), "Your mobile number has been changed.", "&#43;447911123456")
		if r := b.Get("/account/mobile/confirm"); r.Location != "/account/mobile" {
			t.Errorf("the confirm page after use: %d %q", r.Status, r.Location)
		}
		// The number the account was created with was no change: one event.
		ev := s.Audit(t, gatehouse.EventMobileChanged)
		if len(ev) != 1 || ev[0].Details["new"] != "•••• 3456" || ev[0].Details["old"] != "•••• 0123" || ev[0].Details["via"] != "member" {
			t.Errorf("audit: %+v", ev[0].Details)
		}
		if len(mustDevices(t, s, m)) != 0 {
			t.Error("a new number kept the trusted browsers")
		}
		// The next sign-in code goes to the new number.
		b.Post("/logout", nil)
		s.signInWithCode(t, b, false)
		if last := s.Twilio.Messages(); last[len(last)-1].To != newMobile {
			t.Errorf("sign-in code went to %s", last[len(last)-1].To)
		}
	})
}

// gatehouseCode returns the six-digit code in a text.
func gatehouseCode(body string) string {
	for _, f := range strings.Fields(body) {
		if len(f) == 6 && strings.Trim(f, "0123456789") == "" {
			return f
		}
	}
	return ""
}

// TestMobileCodeRules: the confirmation code is bound to the session, dies
// after five wrong tries and can be resent.
func TestMobileCodeRules(t *testing.T) {
	s := newTwoFactor(t, "", map[string]string{"two_factor_resend_cooldown": "0s"})
	m := s.addWithMobile(t, "alice", "alice@example.com", "")
	b := s.Browser(t)
	b.SignIn("alice", goodPassword, "/account")
	wantBody(t, "account page", b.Get("/account"), "none · <a href=\"/account/mobile\"")
	b.Submit("/account/mobile", "/account/mobile", url.Values{"current_password": {goodPassword}, "mobile": {"07911 123456"}})
	if r := b.Get("/account/mobile/confirm"); r.Status == http.StatusOK {
		t.Fatal("a national number without country code was accepted")
	}
	wantStatus(t, "start", b.Submit("/account/mobile", "/account/mobile", url.Values{"current_password": {goodPassword}, "mobile": {newMobile}}),
		http.StatusSeeOther, "/account/mobile/confirm")
	_, code := s.smsCode(t, 1)

	other := s.Browser(t)
	other.SignIn("alice", goodPassword, "/account")
	if r := other.Get("/account/mobile/confirm"); r.Location != "/account/mobile" {
		t.Errorf("another session sees the pending number: %d", r.Status)
	}
	for range 5 {
		b.Post("/account/mobile/confirm", url.Values{"code": {wrongCode(code)}})
	}
	wantStatus(t, "after five wrong tries", b.Post("/account/mobile/confirm", url.Values{"code": {code}}), http.StatusUnprocessableEntity, "")
	wantStatus(t, "resend", b.Submit("/account/mobile/confirm", "/account/mobile/resend", nil), http.StatusSeeOther, "/account/mobile/confirm?done=sent")
	to, fresh := s.smsCode(t, 2)
	if to != newMobile {
		t.Errorf("resent to %s", to)
	}
	wantStatus(t, "new code", b.Post("/account/mobile/confirm", url.Values{"code": {fresh}}), http.StatusSeeOther, "/account?done=mobile_changed")
	if got := s.Member(t, m.ID).Mobile; got != newMobile {
		t.Errorf("mobile %q", got)
	}

	r := b.Submit("/account/mobile", "/account/mobile", url.Values{"current_password": {goodPassword}, "mobile": {newMobile}})
	wantStatus(t, "the same number again", r, http.StatusUnprocessableEntity, "")
	wantBody(t, "same number", r, "That is already your mobile number.")

	// Removing the number needs the password.
	wantStatus(t, "remove without password", b.Submit("/account/mobile", "/account/mobile/remove", nil), http.StatusUnprocessableEntity, "")
	wantStatus(t, "remove", b.Submit("/account/mobile", "/account/mobile/remove", url.Values{"current_password": {goodPassword}}),
		http.StatusSeeOther, "/account?done=mobile_removed")
	if got := s.Member(t, m.ID).Mobile; got != "" {
		t.Errorf("mobile %q after removal", got)
	}
}

// TestSetMobileByAdministrator: the use case the admin area calls checks the
// role, the owner rule and the number, and audits.
func TestSetMobileByAdministrator(t *testing.T) {
	s := newTwoFactor(t, "", nil)
	member := s.addWithMobile(t, "alice", "alice@example.com", "")
	owner := s.AddMember(t, "olga", "olga@example.com", goodPassword, gatehouse.RoleOwner)
	admin := gatehouse.Actor{Kind: gatehouse.ActorMember, ID: "a1", Name: "admin", Role: gatehouse.RoleAdministrator, OrgID: gatehouse.DefaultOrgID}
	peer := gatehouse.Actor{Kind: gatehouse.ActorMember, ID: "m1", Name: "peer", Role: gatehouse.RoleMember, OrgID: gatehouse.DefaultOrgID}
	ctx := t.Context()
	if err := s.Mobile.SetMobile(ctx, peer, gatehouse.Client{}, member, newMobile); !gatehouse.IsCode(err, gatehouse.Forbidden) {
		t.Errorf("a member set another's number: %v", err)
	}
	if err := s.Mobile.SetMobile(ctx, admin, gatehouse.Client{}, owner, newMobile); !gatehouse.IsCode(err, gatehouse.Forbidden) {
		t.Errorf("an administrator set an owner's number: %v", err)
	}
	if err := s.Mobile.SetMobile(ctx, admin, gatehouse.Client{}, member, "0770"); !gatehouse.IsCode(err, gatehouse.Invalid) {
		t.Errorf("a malformed number: %v", err)
	}
	if err := s.Mobile.SetMobile(ctx, admin, gatehouse.Client{}, member, newMobile); err != nil {
		t.Fatal(err)
	}
	if got := s.Member(t, member.ID).Mobile; got != newMobile {
		t.Errorf("mobile %q", got)
	}
	if ev := s.Audit(t, gatehouse.EventMobileChanged); len(ev) != 1 || ev[0].Details["via"] != "admin" || ev[0].ActorName != "admin" {
		t.Errorf("audit: %+v", ev)
	}
}
