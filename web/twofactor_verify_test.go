package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// TestSecondFactorBySMS: with two_factor=required the code goes by text through
// the Twilio protocol (the fake checks path, basic auth and form fields), the
// page says where it went, masked, and the code signs the member in.
func TestSecondFactorBySMS(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		m := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		if signedInOK(b) {
			t.Fatal("the password alone gave a signed-in session")
		}
		if r := b.Get("/account"); r.Location != "/login/verify" {
			t.Errorf("the account page before the code sends to %q", r.Location)
		}
		to, code := s.smsCode(t, 1)
		if to != aliceMobile {
			t.Errorf("code texted to %q", to)
		}
		page := b.Get("/login/verify")
		wantBody(t, "verify page", page, "by text message to <strong>•••• 0123</strong>", `name="code"`, "Resend by SMS", "Resend by email", `autocomplete="one-time-code"`)
		if strings.Contains(page.Body, aliceMobile) || strings.Contains(page.Body, code) {
			t.Error("the page shows the whole number or the code")
		}
		r := verify(b, "code", wrongCode(code), false)
		wantStatus(t, "wrong code", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "wrong code", r, "That code is not right. You have 4 more tries.", `id="code-error"`)
		wantStatus(t, "right code", verify(b, "code", code, false), http.StatusSeeOther, "/account")
		if !signedInOK(b) {
			t.Fatal("not signed in after the right code")
		}
		if s.Twilio.Attempts() != 1 {
			t.Errorf("%d requests reached the SMS provider, want 1", s.Twilio.Attempts())
		}
		sent := s.Audit(t, gatehouse.EventCodeSent)
		if len(sent) != 1 || sent[0].Details["channel"] != "sms" || sent[0].MemberID != m.ID || sent[0].Details["to"] != "•••• 0123" {
			t.Errorf("code-sent audit: %+v", sent)
		}
		if ev := s.Audit(t, gatehouse.EventCodeVerified); len(ev) != 1 || ev[0].Details["method"] != "code" || ev[0].Details["channel"] != "sms" {
			t.Errorf("verified audit: %+v", ev)
		}
		if ev := s.Audit(t, gatehouse.EventCodeFailed); len(ev) != 1 {
			t.Errorf("%d failure events, want 1", len(ev))
		}
		// The sign-in is done: the page and the form are gone.
		if r := b.Get("/login/verify"); r.Location != "/account" {
			t.Errorf("the verify page after sign-in sends to %q", r.Location)
		}
	})
}

// wrongCode returns a six-digit code that is not code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// TestSecondFactorFallsBackToEmail: without a mobile number the code goes by
// email (S11), and nothing reaches the SMS provider.
func TestSecondFactorFallsBackToEmail(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "bob", "bob@example.com", "")
		b := s.Browser(t)
		b.SignIn("bob", goodPassword, "/login/verify")
		to, code := s.emailCode(t, 1)
		if to != "bob@example.com" {
			t.Errorf("code emailed to %q", to)
		}
		page := b.Get("/login/verify")
		wantBody(t, "verify page", page, "by email to <strong>b•••@example.com</strong>", "Resend by email")
		if strings.Contains(page.Body, "Resend by SMS") {
			t.Error("SMS offered to a member without a mobile number")
		}
		if r := send(b, "sms"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "You have no mobile number") {
			t.Errorf("asking for an SMS without a number: %d", r.Status)
		}
		wantStatus(t, "email code", verify(b, "code", code, false), http.StatusSeeOther, "/account")
		if n := s.Twilio.Attempts(); n != 0 {
			t.Errorf("%d requests to the SMS provider", n)
		}
	})
}

// TestNoChannelForCodes: without a mobile number and with email codes off,
// the page says plainly that no code can be sent, and nothing is sent.
func TestNoChannelForCodes(t *testing.T) {
	s := newTwoFactor(t, "", required("two_factor_email", "off"))
	s.addWithMobile(t, "bob", "bob@example.com", "")
	b := s.Browser(t)
	b.SignIn("bob", goodPassword, "/login/verify")
	page := b.Get("/login/verify")
	wantBody(t, "verify page", page, "We have no way to send you a code", "Ask your administrator to add your mobile number")
	if strings.Contains(page.Body, "Send a code by email") {
		t.Error("email offered although two_factor_email is off")
	}
	wantStatus(t, "email refused", send(b, "email"), http.StatusUnprocessableEntity, "")
	if len(s.Audit(t, gatehouse.EventCodeSent)) != 0 || len(s.SMTP.Messages()) != 0 {
		t.Error("a code was sent")
	}
}

// TestResend: a resend on either channel replaces the code, waits for the
// cooldown, stops at the hourly cap, and keeps the count of wrong tries.
func TestResend(t *testing.T) {
	eachTwoFactor(t, required("two_factor_resend_cooldown", "30s", "two_factor_sends_per_hour", "4"), func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		_, first := s.smsCode(t, 1)

		// Within the cooldown: refused, with Retry-After.
		s.Clock.Advance(10 * time.Second)
		r := send(b, "email")
		wantStatus(t, "resend within the cooldown", r, http.StatusTooManyRequests, "")
		wantBody(t, "cooldown", r, "Wait 20 seconds")
		if r.Header.Get("Retry-After") != "20" {
			t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
		}

		// Three wrong tries on the first code.
		for range 3 {
			verify(b, "code", wrongCode(first), false)
		}
		// Resend by email: the new code replaces the old one.
		s.Clock.Advance(21 * time.Second)
		wantStatus(t, "resend by email", send(b, "email"), http.StatusSeeOther, "/login/verify?done=sent&method=code")
		_, byEmail := s.emailCode(t, 1)
		page := b.Get("/login/verify?done=sent&method=code")
		wantBody(t, "after the resend", page, "We have sent you a new code.", "by email to <strong>a•••@example.com</strong>", "2 tries left")
		if first != byEmail {
			r := verify(b, "code", first, false)
			wantStatus(t, "the replaced code", r, http.StatusUnprocessableEntity, "")
		}
		// The wrong tries carried over: this was the 4th (or 5th) wrong try.
		code := verify(b, "code", wrongCode(byEmail), false)
		if !strings.Contains(code.Body, "no longer works") && !strings.Contains(code.Body, "one more try") {
			t.Errorf("the resend reset the wrong-try count:\n%s", code.Body)
		}
		verify(b, "code", wrongCode(byEmail), false)
		r = verify(b, "code", byEmail, false)
		wantStatus(t, "the right code after five wrong tries", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "dead code", r, "no longer works")

		// Resend by SMS: a dead code's successor starts afresh.
		s.Clock.Advance(31 * time.Second)
		wantStatus(t, "resend by SMS", send(b, "sms"), http.StatusSeeOther, "")
		_, bySMS := s.smsCode(t, 2)
		// The hourly cap (4): this was the 3rd send; one more is allowed.
		s.Clock.Advance(31 * time.Second)
		wantStatus(t, "4th send", send(b, "sms"), http.StatusSeeOther, "")
		_, fourth := s.smsCode(t, 3)
		s.Clock.Advance(31 * time.Second)
		r = send(b, "sms")
		wantStatus(t, "5th send in the hour", r, http.StatusTooManyRequests, "")
		wantBody(t, "cap", r, "Too many codes have been sent in the last hour")
		if bySMS != fourth {
			wantStatus(t, "an earlier code", verify(b, "code", bySMS, false), http.StatusUnprocessableEntity, "")
		}
		wantStatus(t, "the latest code", verify(b, "code", fourth, false), http.StatusSeeOther, "/account")
		if n := len(s.Audit(t, gatehouse.EventCodeSent)); n != 4 {
			t.Errorf("%d code-sent events, want 4", n)
		}
		if len(s.Audit(t, gatehouse.EventRequestThrottled)) < 2 {
			t.Error("refused sends were not audited")
		}

		// A sign-in within the hour gets no code; after it, it does.
		c := s.Browser(t)
		c.SignIn("alice", goodPassword, "/login/verify")
		wantBody(t, "capped sign-in", c.Get("/login/verify"), "We need to send you a code", "Send a code by SMS")
		if got := len(s.Twilio.Messages()); got != 3 {
			t.Errorf("the capped sign-in still texted: %d messages", got)
		}
		s.Clock.Advance(time.Hour)
		c.SignIn("alice", goodPassword, "/login/verify")
		s.smsCode(t, 4)
	})
}

// TestCodeExpiry: a code works until two_factor_code_ttl, then not; the
// sign-in session lives as long as its code.
func TestCodeExpiry(t *testing.T) {
	eachTwoFactor(t, required("two_factor_code_ttl", "1h"), func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		_, code := s.smsCode(t, 1)
		s.Clock.Advance(time.Hour)
		r := verify(b, "code", code, false)
		wantStatus(t, "expired code", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "expired code", r, "This code has expired. Ask for a new one.")

		c := s.Browser(t)
		s.Clock.Advance(time.Minute)
		c.SignIn("alice", goodPassword, "/login/verify")
		_, code = s.smsCode(t, 2)
		s.Clock.Advance(59 * time.Minute)
		wantStatus(t, "a code at 59 of 60 minutes", verify(c, "code", code, false), http.StatusSeeOther, "/account")
	})
	s := newTwoFactor(t, "", required()) // the default: 10 minutes
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	b := s.Browser(t)
	b.SignIn("alice", goodPassword, "/login/verify")
	_, code := s.smsCode(t, 1)
	s.Clock.Advance(10*time.Minute + time.Second)
	if r := verify(b, "code", code, false); !strings.Contains(r.Body, "expired") {
		t.Errorf("a code after 10 minutes: %d", r.Status)
	}
}

// TestFiveWrongTriesKillTheCode: the fifth wrong try kills the code; then
// even the right one is refused, and a new one must be sent.
func TestFiveWrongTriesKillTheCode(t *testing.T) {
	eachTwoFactor(t, required("two_factor_resend_cooldown", "0s"), func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		_, code := s.smsCode(t, 1)
		for i := 1; i <= 5; i++ {
			r := verify(b, "code", wrongCode(code), false)
			wantStatus(t, "wrong try", r, http.StatusUnprocessableEntity, "")
			if i == 4 {
				wantBody(t, "4th try", r, "You have one more try.")
			}
			if i == 5 {
				wantBody(t, "5th try", r, "that was the last try")
			}
		}
		r := verify(b, "code", code, false)
		wantStatus(t, "right code after five wrong", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "dead code", r, "Too many wrong tries: this code no longer works.")
		if signedInOK(b) {
			t.Fatal("signed in with a dead code")
		}
		wantStatus(t, "new code", send(b, "sms"), http.StatusSeeOther, "")
		_, fresh := s.smsCode(t, 2)
		wantStatus(t, "the new code", verify(b, "code", fresh, false), http.StatusSeeOther, "/account")
		if n := len(s.Audit(t, gatehouse.EventCodeFailed)); n != 5 {
			t.Errorf("%d failure events, want 5", n)
		}
	})
}

// TestSecondFactorThrottling: wrong answers are throttled per member across
// codes, beyond the five wrong tries of each code.
func TestSecondFactorThrottling(t *testing.T) {
	s := newTwoFactor(t, "", required("two_factor_resend_cooldown", "0s", "two_factor_sends_per_hour", "10"))
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	b := s.Browser(t)
	b.SignIn("alice", goodPassword, "/login/verify")
	_, code := s.smsCode(t, 1)
	for range 5 {
		verify(b, "code", wrongCode(code), false)
	}
	send(b, "sms")
	_, code = s.smsCode(t, 2)
	for range 5 {
		verify(b, "code", wrongCode(code), false)
	}
	send(b, "sms")
	_, code = s.smsCode(t, 3)
	// The 11th wrong answer is still free but imposes a wait of a second.
	wantStatus(t, "11th wrong answer", verify(b, "code", wrongCode(code), false), http.StatusUnprocessableEntity, "")
	r := verify(b, "code", code, false)
	wantStatus(t, "after 11 wrong answers", r, http.StatusTooManyRequests, "")
	wantBody(t, "throttled", r, "Too many wrong codes.")
	s.Clock.Advance(2 * time.Second)
	wantStatus(t, "after the wait", verify(b, "code", code, false), http.StatusSeeOther, "/account")
}

// TestDeliveryFailureShown: a number the provider refuses is shown to the
// member with the email alternative, and the failure stays in the outbox,
// where administrators list it.
func TestDeliveryFailureShown(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		m := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		s.Twilio.RejectNumber(aliceMobile)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		msg := s.waitMessage(t, m.ID, gatehouse.ChannelSMS, gatehouse.MessageFailed)
		if !strings.Contains(msg.LastError, "21211") {
			t.Errorf("the outbox records %q", msg.LastError)
		}
		page := b.Get("/login/verify")
		wantBody(t, "failed delivery", page, "We could not deliver the code by text message to •••• 0123", "Resend by email")
		s.Clock.Advance(30 * time.Second)
		wantStatus(t, "by email instead", send(b, "email"), http.StatusSeeOther, "")
		_, code := s.emailCode(t, 1)
		wantStatus(t, "email code", verify(b, "code", code, false), http.StatusSeeOther, "/account")
	})
}

// TestSecondFactorBeforeRenewal: a member whose password must be renewed
// proves the second factor first, so the password alone cannot change it.
func TestSecondFactorBeforeRenewal(t *testing.T) {
	s := newTwoFactor(t, "", required())
	m := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	m.MustChangePassword = true
	s.Overwrite(t, m)
	b := s.Browser(t)
	b.SignIn("alice", goodPassword, "/login/verify")
	if r := b.Get("/login/renew"); r.Location != "/login/verify" {
		t.Errorf("the renewal page before the code sends to %q", r.Location)
	}
	_, code := s.smsCode(t, 1)
	wantStatus(t, "code", verify(b, "code", code, false), http.StatusSeeOther, "/login/renew")
}

// TestOptionalTwoFactor: with two_factor=optional only members with an
// authenticator app are asked; a mobile number alone does not opt in.
func TestOptionalTwoFactor(t *testing.T) {
	s := newTwoFactor(t, "", map[string]string{"two_factor": "optional"})
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	s.Browser(t).SignIn("alice", goodPassword, "/account")
	if s.Twilio.Attempts() != 0 {
		t.Error("a code was texted in optional mode to a member without an app")
	}
	off := newTwoFactor(t, "", nil)
	off.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	off.Browser(t).SignIn("alice", goodPassword, "/account")
}

// TestVerifyNeedsPendingSession: the second-factor routes do nothing for a
// visitor without a session, and keep the next page through the step.
func TestVerifyNeedsPendingSession(t *testing.T) {
	s := newTwoFactor(t, "", required())
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	b := s.Browser(t)
	if r := b.Get("/login/verify"); r.Location != "/login" {
		t.Errorf("without a session: %d %q", r.Status, r.Location)
	}
	if r := b.Submit("/login", "/login/verify/send", nil); r.Location != "/login" {
		t.Errorf("send without a session: %d %q", r.Status, r.Location)
	}
	r := b.Submit("/login", "/login", map[string][]string{"identifier": {"alice"}, "password": {goodPassword}, "next": {"/account/password"}})
	wantStatus(t, "sign-in with next", r, http.StatusSeeOther, "/login/verify?next=%2Faccount%2Fpassword")
	page := b.Get(r.Location)
	wantBody(t, "next kept", page, `name="next" value="/account/password"`)
	_, code := s.smsCode(t, 1)
	f := map[string][]string{"method": {"code"}, "code": {code}, "next": {"/account/password"}}
	wantStatus(t, "code with next", b.Post("/login/verify", f), http.StatusSeeOther, "/account/password")
}

// TestDeliveryDelayedShown: while the provider is failing and the outbox
// retries, the member is told the text is delayed and offered email.
func TestDeliveryDelayedShown(t *testing.T) {
	s := newTwoFactor(t, "", required())
	m := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	s.Twilio.FailWith(http.StatusServiceUnavailable)
	b := s.Browser(t)
	b.SignIn("alice", goodPassword, "/login/verify")
	deadline := time.Now().Add(wait)
	for {
		ms, _, err := s.Store.Messages(t.Context(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: m.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 1 && ms[0].LastError != "" && ms[0].Status == gatehouse.MessageQueued {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the failed attempt was not recorded: %+v", ms)
		}
		time.Sleep(20 * time.Millisecond)
	}
	wantBody(t, "delayed delivery", b.Get("/login/verify"), "is taking longer than usual", "Resend by email")
	s.Twilio.Accept()
	s.Clock.Advance(time.Minute) // the retry is due; the worker sends it
	_, code := s.smsCode(t, 1)
	wantStatus(t, "the late code", verify(b, "code", code, false), http.StatusSeeOther, "/account")
}
