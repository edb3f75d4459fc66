package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// A mobile number an administrator sets is unverified until the member
// enters a code sent to it (gatehouse.Member.MobileVerified): sign-in codes
// go to it only when the member has no other way, and it never counts as an
// administrator's second factor.

// setUnverified gives m the number as an administrator would, unverified.
func (s *tfServer) setUnverified(t *testing.T, m *gatehouse.Member, mobile string) {
	t.Helper()
	if err := s.Mobile.SetMobile(t.Context(), gatehouse.SystemActor(m.OrgID), gatehouse.Client{}, m, mobile); err != nil {
		t.Fatal(err)
	}
	if s.Member(t, m.ID).MobileVerified() {
		t.Fatal("a number set by an administrator is verified")
	}
}

// noticeThenCode waits for the notice of the new number (email n-1), then
// returns the sign-in code of email n.
func (s *tfServer) noticeThenCode(t *testing.T, n int) string {
	t.Helper()
	if msgs := s.SMTP.WaitFor(t, n-1, wait); !strings.Contains(msgs[n-2].Subject, "mobile number added") {
		t.Fatalf("email %d is %q", n-1, msgs[n-2].Subject)
	}
	_, code := s.emailCode(t, n)
	return code
}

// TestUnverifiedMobileNotUsedWithAnotherWay: a member who can get codes by
// email is not sent codes to an unverified number, nor may ask for one; the
// pages say the number is not verified; confirming it with the password and
// a code verifies it (audited, trusted browsers kept), after which SMS codes
// are offered again.
func TestUnverifiedMobileNotUsedWithAnotherWay(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		m := s.addWithMobile(t, "alice", "alice@example.com", "")
		s.setUnverified(t, m, newMobile)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		page := b.Get("/login/verify")
		if strings.Contains(page.Body, `value="sms"`) {
			t.Error("the second-factor page offers SMS to an unverified number while email codes work")
		}
		r := send(b, "sms")
		wantStatus(t, "asking for an SMS code", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "asking for an SMS code", r, "not verified yet")
		code := s.noticeThenCode(t, 2)
		if n := len(s.Twilio.Messages()); n != 0 {
			t.Fatalf("%d texts sent to an unverified number", n)
		}
		wantStatus(t, "the emailed code", verify(b, "code", code, true), http.StatusSeeOther, "/account")
		wantBody(t, "account page", b.Get("/account"), `id="mobile-unverified"`)

		mobile := b.Get("/account/mobile")
		wantBody(t, "mobile page", mobile, `id="verify-mobile"`, "not verified yet")
		devices := len(s.devices(t, m))
		if devices != 1 {
			t.Fatalf("%d trusted browsers before the number is verified", devices)
		}
		s.Clock.Advance(time.Minute) // past the cooldown of the emailed code
		r = b.Submit("/account/mobile", "/account/mobile", url.Values{"current_password": {goodPassword}, "mobile": {newMobile}})
		wantStatus(t, "verifying the number", r, http.StatusSeeOther, "/account/mobile/confirm")
		to, code := s.smsCode(t, 1)
		if to != newMobile {
			t.Fatalf("the confirmation went to %s", to)
		}
		wantStatus(t, "the code", b.Post("/account/mobile/confirm", url.Values{"code": {code}}), http.StatusSeeOther, "/account?done=mobile_verified")
		if got := s.Member(t, m.ID); !got.MobileVerified() || got.Mobile != newMobile {
			t.Fatalf("after the code the number is %q, verified %v", got.Mobile, got.MobileVerified())
		}
		wantBody(t, "account page", b.Get("/account?done=mobile_verified"), "Your mobile number is verified.", `id="mobile-verified"`)
		if evs := s.Audit(t, gatehouse.EventMobileVerified); len(evs) != 1 || evs[0].MemberID != m.ID || evs[0].Details["by"] != "confirmation" {
			t.Fatalf("mobile.verified events: %+v", evs)
		}
		if len(s.Audit(t, gatehouse.EventDeviceRevoked)) != 0 || len(s.devices(t, m)) != devices {
			t.Error("verifying the number the member has forgot trusted browsers")
		}

		s.Clock.Advance(time.Minute)
		b2 := s.Browser(t)
		b2.SignIn("alice", goodPassword, "/login/verify")
		wantBody(t, "second-factor page once verified", b2.Get("/login/verify"), `id="send-sms"`)
		if to, _ := s.smsCode(t, 2); to != newMobile {
			t.Fatalf("the sign-in code went to %s", to)
		}
	})
}

// devices lists m's trusted browsers.
func (s *tfServer) devices(t *testing.T, m *gatehouse.Member) []*gatehouse.TrustedDevice {
	t.Helper()
	d, err := s.TwoFactor.TrustedDevices(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestUnverifiedMobileOnAdminPage: the administrators' member page says
// whether a member's number is verified.
func TestUnverifiedMobileOnAdminPage(t *testing.T) {
	eachTwoFactor(t, map[string]string{"two_factor": "off"}, func(t *testing.T, s *tfServer) {
		s.AddMember(t, "olga", "olga@example.com", goodPassword, gatehouse.RoleOwner)
		alice := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		bob := s.addWithMobile(t, "bob", "bob@example.com", "")
		s.setUnverified(t, bob, "+447700900999")
		b := s.Browser(t)
		b.SignIn("olga", goodPassword, "/account")
		page := b.Get("/admin/members/" + alice.ID)
		wantBody(t, "a verified number", page, `id="mobile-verified"`)
		if strings.Contains(page.Body, "mobile-unverified") {
			t.Error("a verified number is shown as unverified")
		}
		page = b.Get("/admin/members/" + bob.ID)
		wantBody(t, "an unverified number", page, `id="mobile-unverified"`, "not verified yet")
	})
}

// TestUnverifiedMobileAsLastResort: a member with no other way gets sign-in
// codes at an unverified number, and entering one verifies it.
func TestUnverifiedMobileAsLastResort(t *testing.T) {
	eachTwoFactor(t, required("two_factor_email", "false"), func(t *testing.T, s *tfServer) {
		m := s.addWithMobile(t, "alice", "alice@example.com", "")
		s.setUnverified(t, m, aliceMobile)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		wantBody(t, "second-factor page", b.Get("/login/verify"), "•••• 0123")
		to, code := s.smsCode(t, 1)
		if to != aliceMobile {
			t.Fatalf("the code went to %s", to)
		}
		wantStatus(t, "the code", verify(b, "code", code, false), http.StatusSeeOther, "/account")
		if !s.Member(t, m.ID).MobileVerified() {
			t.Fatal("a sign-in code entered from the number did not verify it")
		}
		if evs := s.Audit(t, gatehouse.EventMobileVerified); len(evs) != 1 || evs[0].Details["by"] != "sign_in" {
			t.Fatalf("mobile.verified events: %+v", evs)
		}
	})
}

// TestAdministratorUnverifiedMobile: where SMS counts for administrators
// (two_factor_admin_methods), a verified number is an administrator's second
// factor; an unverified one is not: the administrator proves what they have
// (the emailed code) and is led to set up a factor, the number's
// verification among the offers.
func TestAdministratorUnverifiedMobile(t *testing.T) {
	eachTwoFactor(t, map[string]string{"two_factor": "optional", "two_factor_admin_methods": "app,passkey,sms"}, func(t *testing.T, s *tfServer) {
		root := s.addWithMobile(t, "root", "root@example.com", aliceMobile)
		s.setRole(t, root, gatehouse.RoleAdministrator)
		b := s.Browser(t)
		b.SignIn("root", goodPassword, "/login/verify")
		_, code := s.smsCode(t, 1)
		wantStatus(t, "a verified number", verify(b, "code", code, false), http.StatusSeeOther, "/account")

		admin := s.addAdmin(t, "ada")
		s.setUnverified(t, admin, "+447700900999")
		b = s.Browser(t)
		b.SignIn("ada", goodPassword, "/login/verify")
		wantBody(t, "verify page", b.Get("/login/verify"), `id="admin-setup-next"`)
		code = s.noticeThenCode(t, 2)
		if n := len(s.Twilio.Messages()); n != 1 {
			t.Fatalf("%d texts: one went to the unverified number of an administrator", n)
		}
		wantStatus(t, "the emailed code", verify(b, "code", code, true), http.StatusSeeOther, "/login/setup")
		wantBody(t, "setup page", b.Get("/login/setup"), `id="setup-sms"`)
		if s.Member(t, admin.ID).MobileVerified() {
			t.Fatal("the number became verified without a code sent to it")
		}
	})
}
