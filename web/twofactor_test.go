package web_test

import (
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/secret"
)

var (
	totpSecretRe   = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7 ]+)</code>`)
	recoveryCodeRe = regexp.MustCompile(`<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`)
)

// enrol sets up an authenticator app for the signed-in browser and returns its
// secret and the recovery codes shown.
func enrol(t *testing.T, s *tfServer, b *webtest.Browser) (string, []string) {
	t.Helper()
	r := b.Submit("/account/two-factor", "/account/two-factor/app", url.Values{"current_password": {goodPassword}})
	wantStatus(t, "start enrolment", r, http.StatusSeeOther, "/account/two-factor")
	page := b.Get("/account/two-factor")
	wantBody(t, "enrolment page", page, `<img src="data:image/png;base64,`, "Turn on the app")
	m := totpSecretRe.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no secret on the page\n%s", page.Body)
	}
	sec := strings.ReplaceAll(m[1], " ", "")
	r = b.Post("/account/two-factor/app/confirm", url.Values{"code": {totpAt(t, sec, s.Clock.Now(), 0)}})
	wantStatus(t, "confirm enrolment", r, http.StatusSeeOther, "/account/two-factor/recovery-codes")
	r = b.Follow(r)
	codes := recoveryCodeRe.FindAllStringSubmatch(r.Body, -1)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10\n%s", len(codes), r.Body)
	}
	var out []string
	for _, c := range codes {
		out = append(out, c[1])
	}
	return sec, out
}

// totpAt returns the app's code for the step at, moved by steps.
func totpAt(t *testing.T, sec string, at time.Time, steps int64) string {
	t.Helper()
	c, err := secret.TOTPCode(sec, secret.TOTPStep(at)+steps)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAuthenticatorApp: enrolment with the password, a QR code and the text
// secret, confirmed by a first code; then sign-in with the app, one step of
// drift either side, and no code ever accepted twice.
func TestAuthenticatorApp(t *testing.T) {
	eachTwoFactor(t, map[string]string{"two_factor": "optional"}, func(t *testing.T, s *tfServer) {
		m := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/account")
		wantBody(t, "two-factor page", b.Get("/account/two-factor"), "Set up an authenticator app", "You have no recovery codes.")
		r := b.Submit("/account/two-factor", "/account/two-factor/app", url.Values{"current_password": {"not my password"}})
		wantStatus(t, "enrolment with a wrong password", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "wrong password", r, "Your current password is not correct.")

		sec, _ := enrol(t, s, b)
		stored, err := s.Store.Authenticator(t.Context(), m.OrgID, m.ID)
		if err != nil || !strings.HasPrefix(stored.Secret, "v1:") || strings.Contains(stored.Secret, sec) {
			t.Fatalf("the stored secret %q is not sealed (%v)", stored.Secret, err)
		}
		if ev := s.Audit(t, gatehouse.EventMethodEnrolled); len(ev) != 1 || ev[0].Details["method"] != "totp" {
			t.Errorf("enrolment audit: %+v", ev)
		}
		wantBody(t, "after enrolment", b.Get("/account/two-factor"), "Your authenticator app is set up", "10 unused recovery codes")

		signIn := func() *webtest.Browser {
			c := s.Browser(t)
			c.SignIn("alice", goodPassword, "/login/verify")
			return c
		}
		s.Clock.Advance(5 * time.Minute)
		now := s.Clock.Now()

		c := signIn()
		page := c.Get("/login/verify")
		wantBody(t, "app first", page, `name="method" value="app"`, "your authenticator app shows", "Use a recovery code", "Get a code by SMS or email")
		if s.Twilio.Attempts() != 0 {
			t.Error("a code was texted to a member who has an app")
		}
		wantStatus(t, "one step behind", verify(c, "app", totpAt(t, sec, now, -1), false), http.StatusSeeOther, "/account")

		c = signIn()
		wantStatus(t, "this step", verify(c, "app", totpAt(t, sec, now, 0), false), http.StatusSeeOther, "/account")

		c = signIn()
		r = verify(c, "app", totpAt(t, sec, now, 0), false)
		wantStatus(t, "the same code again", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "replay", r, "That code has already been used.")
		wantStatus(t, "an earlier step than one used", verify(c, "app", totpAt(t, sec, now, -1), false), http.StatusUnprocessableEntity, "")
		wantStatus(t, "one step ahead", verify(c, "app", totpAt(t, sec, now, 1), false), http.StatusSeeOther, "/account")

		c = signIn()
		wantStatus(t, "two steps ahead", verify(c, "app", totpAt(t, sec, now, 2), false), http.StatusUnprocessableEntity, "")
		wantStatus(t, "the step ahead, used", verify(c, "app", totpAt(t, sec, now, 1), false), http.StatusUnprocessableEntity, "")
		s.Clock.Advance(2 * time.Minute)
		wantStatus(t, "two steps behind", verify(c, "app", totpAt(t, sec, s.Clock.Now(), -2), false), http.StatusUnprocessableEntity, "")
		wantStatus(t, "the code of now", verify(c, "app", totpAt(t, sec, s.Clock.Now(), 0), false), http.StatusSeeOther, "/account")
		if !hasDetail(s.Audit(t, gatehouse.EventCodeFailed), "reason", "replayed_code") {
			t.Error("a replayed code was not audited as such")
		}

		// The alternatives still work: a code by SMS.
		c = signIn()
		wantBody(t, "code page", c.Get("/login/verify?method=code"), "Send a code by SMS", "Use your authenticator app")
		wantStatus(t, "send by SMS", send(c, "sms"), http.StatusSeeOther, "")
		_, code := s.smsCode(t, 1)
		wantStatus(t, "SMS code with an app", verify(c, "code", code, false), http.StatusSeeOther, "/account")
	})
}

// TestEnrolmentRefusals: a wrong first code does not enrol; a second app
// needs the first removed; removal needs the password and leaves the
// member a way in.
func TestEnrolmentRefusals(t *testing.T) {
	s := newTwoFactor(t, "", required("two_factor_email", "off"))
	m := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	b := s.Browser(t)
	s.signInWithCode(t, b, true)
	if len(mustDevices(t, s, m)) != 1 {
		t.Fatal("the browser was not trusted")
	}
	b.Submit("/account/two-factor", "/account/two-factor/app", url.Values{"current_password": {goodPassword}})
	r := b.Post("/account/two-factor/app/confirm", url.Values{"code": {"123456"}})
	wantStatus(t, "a wrong first code", r, http.StatusUnprocessableEntity, "")
	if a, _ := s.Store.Authenticator(t.Context(), m.OrgID, m.ID); a.Confirmed() {
		t.Fatal("a wrong code enrolled the app")
	}
	// Starting again replaces the pending secret; the right code enrols.
	enrol(t, s, b)
	if len(mustDevices(t, s, m)) != 0 {
		t.Error("enrolling an app kept the trusted browsers")
	}
	r = b.Submit("/account/two-factor", "/account/two-factor/app", url.Values{"current_password": {goodPassword}})
	wantStatus(t, "a second app", r, http.StatusConflict, "")

	wantStatus(t, "removal without the password", b.Submit("/account/two-factor", "/account/two-factor/app/remove", url.Values{}), http.StatusUnprocessableEntity, "")
	// Without a mobile number and with email codes off, removing the app
	// would lock the member out.
	if err := s.Mobile.SetMobile(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, m, ""); err != nil {
		t.Fatal(err)
	}
	r = b.Submit("/account/two-factor", "/account/two-factor/app/remove", url.Values{"current_password": {goodPassword}})
	wantStatus(t, "removal that locks out", r, http.StatusConflict, "")
	if err := s.Mobile.SetMobile(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, m, aliceMobile); err != nil {
		t.Fatal(err)
	}
	r = b.Submit("/account/two-factor", "/account/two-factor/app/remove", url.Values{"current_password": {goodPassword}})
	wantStatus(t, "removal", r, http.StatusSeeOther, "/account/two-factor?done=app_removed")
	if ev := s.Audit(t, gatehouse.EventMethodRemoved); len(ev) != 1 {
		t.Errorf("%d removal events", len(ev))
	}
	c := s.Browser(t)
	c.SignIn("alice", goodPassword, "/login/verify")
	if strings.Contains(c.Get("/login/verify").Body, `value="app"`) {
		t.Error("the removed app is still offered")
	}
}

func mustDevices(t *testing.T, s *tfServer, m *gatehouse.Member) []*gatehouse.TrustedDevice {
	t.Helper()
	list, err := s.Store.TrustedDevices(t.Context(), m.OrgID, m.ID, s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestRecoveryCodes: each recovery code works once; new ones replace the old.
func TestRecoveryCodes(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		b := s.Browser(t)
		s.signInWithCode(t, b, false)
		_, codes := enrol(t, s, b)

		c := s.Browser(t)
		c.SignIn("alice", goodPassword, "/login/verify")
		wantBody(t, "recovery form", c.Get("/login/verify?method=recovery"), `name="method" value="recovery"`, "Recovery code")
		wantStatus(t, "a recovery code", verify(c, "recovery", strings.ToUpper(codes[0]), false), http.StatusSeeOther, "/account")
		if ev := s.Audit(t, gatehouse.EventRecoveryCodeUsed); len(ev) != 1 || ev[0].Details["left"] != "9" {
			t.Errorf("recovery audit: %+v", ev)
		}
		wantBody(t, "count", c.Get("/account/two-factor"), "9 unused recovery codes")

		d := s.Browser(t)
		d.SignIn("alice", goodPassword, "/login/verify")
		r := verify(d, "recovery", codes[0], false)
		wantStatus(t, "a used recovery code", r, http.StatusUnprocessableEntity, "")
		wantBody(t, "used", r, "already been used")
		wantStatus(t, "not a code", verify(d, "recovery", "hello", false), http.StatusUnprocessableEntity, "")

		r = c.Submit("/account/two-factor", "/account/two-factor/recovery-codes", url.Values{"current_password": {"wrong password!"}})
		wantStatus(t, "new codes with a wrong password", r, http.StatusUnprocessableEntity, "")
		r = c.Submit("/account/two-factor", "/account/two-factor/recovery-codes", url.Values{"current_password": {goodPassword}})
		wantStatus(t, "new codes", r, http.StatusSeeOther, "/account/two-factor/recovery-codes")
		r = c.Follow(r)
		fresh := recoveryCodeRe.FindAllStringSubmatch(r.Body, -1)
		if again := c.Get("/account/two-factor/recovery-codes"); !reflect.DeepEqual(recoveryCodeRe.FindAllStringSubmatch(again.Body, -1), fresh) {
			t.Error("refreshing the page does not show the same codes")
		}
		s.Clock.Advance(11 * time.Minute)
		if r := c.Get("/account/two-factor/recovery-codes"); recoveryCodeRe.MatchString(r.Body) || !strings.Contains(r.Body, `id="codes-gone"`) {
			t.Error("the codes are still shown after ten minutes, or the page does not say they are gone")
		}
		if len(fresh) != 10 {
			t.Fatalf("%d new codes", len(fresh))
		}
		if r := c.Get("/account/two-factor"); recoveryCodeRe.MatchString(r.Body) {
			t.Error("the codes are shown again")
		}
		wantStatus(t, "an old unused code", verify(d, "recovery", codes[1], false), http.StatusUnprocessableEntity, "")
		wantStatus(t, "a new code", verify(d, "recovery", fresh[0][1], false), http.StatusSeeOther, "/account")
	})
}
