package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// The rules for administrators' second factors (account/adminfactor.go):
// two_factor_for_administrators, two_factor_admin_methods and
// trusted_device_days_for_administrators.

// addAdmin adds an administrator (no mobile number) with the email address.
func (s *tfServer) addAdmin(t *testing.T, username string) *gatehouse.Member {
	t.Helper()
	return s.AddMember(t, username, username+"@example.com", goodPassword, gatehouse.RoleAdministrator)
}

// setRole changes m's role as an owner would.
func (s *tfServer) setRole(t *testing.T, m *gatehouse.Member, role gatehouse.Role) {
	t.Helper()
	if _, err := s.Admin.UpdateMember(t.Context(), gatehouse.SystemActor(m.OrgID), gatehouse.Client{}, m.OrgID, m.ID,
		admin.ProfileUpdate{Role: &role}); err != nil {
		t.Fatal(err)
	}
}

// enrolAtSetup sets up an authenticator app from /login/setup and returns
// its secret; the browser ends on the setup page with "Continue".
func enrolAtSetup(t *testing.T, s *tfServer, b *webtest.Browser) string {
	t.Helper()
	page := b.Get("/login/setup")
	wantBody(t, "setup page", page, "an authenticator app or a passkey", `href="/account/two-factor"`)
	r := b.Submit("/account/two-factor", "/account/two-factor/app", url.Values{"current_password": {goodPassword}})
	wantStatus(t, "start enrolment at setup", r, http.StatusSeeOther, "/account/two-factor")
	m := totpSecretRe.FindStringSubmatch(b.Get("/account/two-factor").Body)
	if m == nil {
		t.Fatal("no secret on the enrolment page at setup")
	}
	sec := strings.ReplaceAll(m[1], " ", "")
	r = b.Post("/account/two-factor/app/confirm", url.Values{"code": {totpAt(t, sec, s.Clock.Now(), 0)}})
	wantStatus(t, "confirm enrolment at setup", r, http.StatusSeeOther, "/account/two-factor/recovery-codes")
	wantBody(t, "codes at setup", b.Follow(r), `href="/login/setup"`)
	wantBody(t, "setup done", b.Get("/login/setup"), `id="setup-continue"`)
	return sec
}

// TestAdministratorLedToSetUp: with two_factor optional, an administrator who
// has set up nothing is still asked for a second factor; the emailed code
// they have only leads to the setup of one that counts (it neither signs them
// in nor trusts the browser), and nothing but the setup pages is reachable
// until it is done. An ordinary member, and an administrator under inherit,
// are not asked.
func TestAdministratorLedToSetUp(t *testing.T) {
	eachTwoFactor(t, map[string]string{"two_factor": "optional"}, func(t *testing.T, s *tfServer) {
		s.addAdmin(t, "root")
		s.addWithMobile(t, "alice", "alice@example.com", "")
		s.Browser(t).SignIn("alice", goodPassword, "/account")

		b := s.Browser(t)
		b.SignIn("root", goodPassword, "/login/verify")
		page := b.Get("/login/verify")
		wantBody(t, "verify page", page, `id="admin-setup-next"`, "an authenticator app or a passkey")
		if strings.Contains(page.Body, `name="trust"`) {
			t.Error("the browser may be trusted on a code that does not count for an administrator")
		}
		b.AcceptLanguage = "de"
		wantBody(t, "verify page in German", b.Get("/login/verify"), `id="admin-setup-next"`,
			"sich mit einer Authenticator-App oder einem Passkey auszuweisen")
		b.AcceptLanguage = ""
		_, code := s.emailCode(t, 1)
		wantStatus(t, "the emailed code", verify(b, "code", code, true), http.StatusSeeOther, "/login/setup")
		if b.Cookie("gatehouse_device") != "" {
			t.Error("a browser was trusted on an emailed code of an administrator")
		}
		for _, path := range []string{"/account", "/admin", "/account/password", "/login/verify"} {
			wantStatus(t, path+" before the setup", b.Get(path), http.StatusSeeOther, "/login/setup")
		}
		if signedInOK(b) {
			t.Fatal("the session API answers for an administrator who has not set up a second factor")
		}
		r := b.Submit("/login/setup", "/login/setup", nil)
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Set up an authenticator app or a passkey first.") {
			t.Fatalf("continue before the setup: %d\n%s", r.Status, r.Body)
		}
		// The same page and refusal in German name the methods in German,
		// joined by its own "oder".
		b.AcceptLanguage = "de"
		wantBody(t, "the setup page in German", b.Get("/login/setup"), "einer Authenticator-App oder einem Passkey")
		r = b.Submit("/login/setup", "/login/setup", nil)
		if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Richten Sie zuerst eine Bestätigung mit einer Authenticator-App oder einem Passkey ein.") {
			t.Fatalf("continue before the setup, in German: %d\n%s", r.Status, r.Body)
		}
		b.AcceptLanguage = ""
		sec := enrolAtSetup(t, s, b)
		wantStatus(t, "continue", b.Submit("/login/setup", "/login/setup", nil), http.StatusSeeOther, "/account")
		if !signedInOK(b) {
			t.Fatal("not signed in after the setup")
		}
		if ev := s.Audit(t, gatehouse.EventCodeVerified); !hasDetail(ev, "method", "setup") || !hasDetail(ev, "stage", string(gatehouse.StageSetupSecondFactor)) {
			t.Errorf("the setup is not in the audit log: %d events", len(ev))
		}

		// Next time: the app, and nothing is emailed.
		s.Clock.Advance(time.Minute)
		c := s.Browser(t)
		c.SignIn("root", goodPassword, "/login/verify")
		wantBody(t, "app asked", c.Get("/login/verify"), `name="method" value="app"`, `id="admin-methods"`)
		wantStatus(t, "app", verify(c, "app", totpAt(t, sec, s.Clock.Now(), 0), false), http.StatusSeeOther, "/account")
		if n := len(s.SMTP.Messages()); n > 1+2 { // the first code, the notice of the new app
			for _, m := range s.SMTP.Messages() {
				t.Log(m.Subject)
			}
			t.Errorf("%d emails", n)
		}
	})
	eachTwoFactor(t, map[string]string{"two_factor": "optional", "two_factor_for_administrators": "inherit"}, func(t *testing.T, s *tfServer) {
		s.addAdmin(t, "root")
		s.Browser(t).SignIn("root", goodPassword, "/account")
	})
	eachTwoFactor(t, map[string]string{"two_factor": "off"}, func(t *testing.T, s *tfServer) {
		s.addAdmin(t, "root")
		s.Browser(t).SignIn("root", goodPassword, "/account")
	})
}

// TestAdministratorWithNothingSetsUpAfterPassword: an administrator with no
// second factor at all (no number, email codes off) goes to the setup right
// after the password, as Keycloak's "Configure OTP" does, rather than being
// locked out.
func TestAdministratorWithNothingSetsUpAfterPassword(t *testing.T) {
	eachTwoFactor(t, required("two_factor_email", "off"), func(t *testing.T, s *tfServer) {
		s.addAdmin(t, "root")
		b := s.Browser(t)
		b.SignIn("root", goodPassword, "/login/setup")
		wantStatus(t, "verify at setup", b.Get("/login/verify"), http.StatusSeeOther, "/login/setup")
		enrolAtSetup(t, s, b)
		wantStatus(t, "continue", b.Submit("/login/setup", "/login/setup", nil), http.StatusSeeOther, "/account")
		wantStatus(t, "the setup again", b.Get("/login/setup"), http.StatusSeeOther, "/account")
	})
}

// nextEmailCode waits for an email after the first before ones that
// carries a sign-in code, and returns the code.
func (s *tfServer) nextEmailCode(t *testing.T, before int) string {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		msgs := s.SMTP.Messages()
		for i := len(msgs) - 1; i >= before; i-- {
			if strings.Contains(msgs[i].Subject, "sign-in code") {
				return s.emailCodeOf(t, i+1)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no sign-in code was emailed")
	return ""
}

func (s *tfServer) emailCodeOf(t *testing.T, n int) string {
	t.Helper()
	_, code := s.emailCode(t, n)
	return code
}

// adminWithApp adds a member, sets up an app for them as a member, and then
// makes them an administrator; it returns the app's secret and recovery codes.
func (s *tfServer) adminWithApp(t *testing.T, username string) (*gatehouse.Member, string, []string) {
	t.Helper()
	m := s.AddMember(t, username, username+"@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	before := len(s.SMTP.Messages())
	r := b.Submit("/login", "/login", url.Values{"identifier": {username}, "password": {goodPassword}})
	if r.Location == "/login/verify" {
		wantStatus(t, "member's code", verify(b, "code", s.nextEmailCode(t, before), false), http.StatusSeeOther, "/account")
	}
	sec, codes := enrol(t, s, b)
	s.setRole(t, m, gatehouse.RoleAdministrator)
	s.Clock.Advance(time.Minute) // past the step of the enrolment code and the resend cooldown
	return m, sec, codes
}

// TestAdministratorRefusedEmailCode: an administrator with an app who asks
// for a code by email is refused and sent nothing, and a code answered in
// place of the app is refused before it is checked; a recovery code still
// works. When two_factor_admin_methods lists email, the emailed code is fine.
func TestAdministratorRefusedEmailCode(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		_, _, codes := s.adminWithApp(t, "root")
		before := len(s.SMTP.Messages())
		b := s.Browser(t)
		b.SignIn("root", goodPassword, "/login/verify")
		page := b.Get("/login/verify?method=code")
		wantBody(t, "verify page", page, `name="method" value="app"`, "As an administrator, you confirm it is you with an authenticator app or a passkey.")
		if strings.Contains(page.Body, "Get a code by") || strings.Contains(page.Body, `id="send-email"`) {
			t.Errorf("an administrator is offered an emailed code\n%s", page.Body)
		}
		r := send(b, "email")
		wantStatus(t, "asking for an emailed code", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "refusal", r, "Administrators confirm it is them with an authenticator app or a passkey.")
		r = verify(b, "code", "123456", false)
		wantStatus(t, "answering with a code", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "refusal", r, "Administrators confirm it is them with an authenticator app or a passkey.")
		time.Sleep(200 * time.Millisecond) // the outbox would have sent it by now
		for _, m := range s.SMTP.Messages()[before:] {
			if strings.Contains(m.Subject, "sign-in code") {
				t.Errorf("a sign-in code was emailed to an administrator with an app")
			}
		}
		if !hasDetail(s.Audit(t, gatehouse.EventCodeFailed), "reason", "not_allowed_for_administrators") {
			t.Error("the refused code is not audited")
		}
		if !hasDetail(s.Audit(t, gatehouse.EventRequestRefused), "reason", "not_allowed_for_administrators") {
			t.Error("the refused send is not audited")
		}
		wantStatus(t, "a recovery code", verify(b, "recovery", codes[0], false), http.StatusSeeOther, "/account")
	})
	eachTwoFactor(t, required("two_factor_admin_methods", "app,email"), func(t *testing.T, s *tfServer) {
		s.adminWithApp(t, "root")
		before := len(s.SMTP.Messages())
		b := s.Browser(t)
		b.SignIn("root", goodPassword, "/login/verify")
		wantStatus(t, "asking for an emailed code", send(b, "email"), http.StatusSeeOther, "")
		wantStatus(t, "the emailed code", verify(b, "code", s.nextEmailCode(t, before), false), http.StatusSeeOther, "/account")
	})
}

// TestAdministratorTrustedBrowser: trusted_device_days_for_administrators
// bounds an administrator's trusted browsers: 0 offers no trust at all, and a
// browser trusted while the member was not yet an administrator, longer ago
// than the administrators' days, no longer skips the second factor.
func TestAdministratorTrustedBrowser(t *testing.T) {
	eachTwoFactor(t, required("trusted_device_days", "30"), func(t *testing.T, s *tfServer) {
		_, sec, _ := s.adminWithApp(t, "root")
		b := s.Browser(t)
		b.SignIn("root", goodPassword, "/login/verify")
		if strings.Contains(b.Get("/login/verify").Body, `name="trust"`) {
			t.Error("an administrator is offered to trust the browser with the default of 0 days")
		}
		wantStatus(t, "app with trust", verify(b, "app", totpAt(t, sec, s.Clock.Now(), 0), true), http.StatusSeeOther, "/account")
		if b.Cookie("gatehouse_device") != "" {
			t.Error("an administrator's browser was trusted with trusted_device_days_for_administrators 0")
		}
	})
	eachTwoFactor(t, required("trusted_device_days", "30", "trusted_device_days_for_administrators", "7"), func(t *testing.T, s *tfServer) {
		_, sec, _ := s.adminWithApp(t, "root")
		b := s.Browser(t)
		b.SignIn("root", goodPassword, "/login/verify")
		wantBody(t, "trust box", b.Get("/login/verify"), "Trust this browser for 7 days")
		r := verify(b, "app", totpAt(t, sec, s.Clock.Now(), 0), true)
		wantStatus(t, "app with trust", r, http.StatusSeeOther, "/account")
		if !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), "\n"), "Max-Age=604800") {
			t.Errorf("the device cookie does not last 7 days: %q", r.Header.Values("Set-Cookie"))
		}
		b.Post("/logout", nil)
		s.Clock.Advance(6 * 24 * time.Hour)
		b.SignIn("root", goodPassword, "/account")
		b.Post("/logout", nil)
		s.Clock.Advance(2 * 24 * time.Hour)
		b.SignIn("root", goodPassword, "/login/verify")

		// A member's browser trusted for 30 days, then a promotion: after
		// the administrators' 7 days it is asked again.
		m := s.AddMember(t, "carol", "carol@example.com", goodPassword, gatehouse.RoleMember)
		c := s.Browser(t)
		before := len(s.SMTP.Messages())
		c.SignIn("carol", goodPassword, "/login/verify")
		wantStatus(t, "member's code", verify(c, "code", s.nextEmailCode(t, before), true), http.StatusSeeOther, "/account")
		c.Post("/logout", nil)
		s.Clock.Advance(10 * 24 * time.Hour)
		c.SignIn("carol", goodPassword, "/account")
		s.setRole(t, m, gatehouse.RoleAdministrator)
		c.SignIn("carol", goodPassword, "/login/verify")
	})
}

// TestRoleChangeMidSignIn: a change of role ends the member's sessions, so a
// sign-in waiting for its second factor or for the setup cannot finish with
// the rules of the old role; the next sign-in reads the new one.
func TestRoleChangeMidSignIn(t *testing.T) {
	eachTwoFactor(t, map[string]string{"two_factor": "optional"}, func(t *testing.T, s *tfServer) {
		// Promoted while signed in: the session ends; the next sign-in is
		// an administrator's.
		m := s.AddMember(t, "alice", "alice@example.com", goodPassword, gatehouse.RoleMember)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/account")
		s.setRole(t, m, gatehouse.RoleAdministrator)
		if signedInOK(b) {
			t.Fatal("a promoted member's session survived the promotion")
		}
		before := len(s.SMTP.Messages())
		b.SignIn("alice", goodPassword, "/login/verify")
		code := s.nextEmailCode(t, before)

		// Demoted while at the second step: the waiting session ends, and
		// its code with it.
		s.setRole(t, m, gatehouse.RoleMember)
		wantStatus(t, "the code after a demotion", verify(b, "code", code, false), http.StatusSeeOther, "/login")
		b.SignIn("alice", goodPassword, "/account")

		// Promoted again, then demoted at the setup: the setup session ends.
		s.setRole(t, m, gatehouse.RoleAdministrator)
		s.Clock.Advance(time.Minute)
		before = len(s.SMTP.Messages())
		b.SignIn("alice", goodPassword, "/login/verify")
		wantStatus(t, "code", verify(b, "code", s.nextEmailCode(t, before), false), http.StatusSeeOther, "/login/setup")
		s.setRole(t, m, gatehouse.RoleMember)
		wantStatus(t, "setup after a demotion", b.Get("/login/setup"), http.StatusSeeOther, "/login")
		wantStatus(t, "app page after a demotion", b.Get("/account/two-factor"), http.StatusSeeOther, "/login?next=%2Faccount%2Ftwo-factor")
	})
}

// TestAdministratorPasskey: an administrator with nothing adds a passkey at
// the setup and continues; the passkey alone then signs them in. When the
// organization stops counting passkeys for administrators, a passkey sign-in
// of theirs goes on to the second step instead of in.
func TestAdministratorPasskey(t *testing.T) {
	webtest.Each(t, webtest.Options{Localhost: true, Settings: map[string]string{"two_factor": "required", "two_factor_email": "off"}}, func(t *testing.T, s *webtest.Server) {
		root := s.AddMember(t, "root", "root@example.com", goodPassword, gatehouse.RoleAdministrator)
		d := newPKDevice(s, root)
		b := s.Browser(t)
		b.SignIn("root", goodPassword, "/login/setup")
		wantBody(t, "setup page", b.Get("/login/setup"), `id="setup-passkey"`)
		wantStatus(t, "passkey added at the setup", addPasskey(t, b, d, "Key"), http.StatusSeeOther, "/login/setup")
		wantStatus(t, "continue", b.Submit("/login/setup", "/login/setup", nil), http.StatusSeeOther, "/account")

		c := s.Browser(t)
		resp := passkeyAnswer(t, c, "/login", "/login/passkey/options", d)
		wantStatus(t, "passkey alone", c.Post("/login/passkey", url.Values{"response": {resp}}), http.StatusSeeOther, "/account")

		if _, err := s.Admin.UpdateSettings(t.Context(), gatehouse.SystemActor(root.OrgID), gatehouse.Client{}, root.OrgID,
			map[string]string{"two_factor_admin_methods": "app"}); err != nil {
			t.Fatal(err)
		}
		e := s.Browser(t)
		resp = passkeyAnswer(t, e, "/login", "/login/passkey/options", d)
		wantStatus(t, "passkey alone, not counted", e.Post("/login/passkey", url.Values{"response": {resp}}), http.StatusSeeOther, "/login/verify")
		if signedInOK(e) {
			t.Error("a passkey that does not count signed an administrator in")
		}
		wantBody(t, "verify page", e.Get("/login/verify"), `id="admin-setup-next"`, "an authenticator app")
	})
}
