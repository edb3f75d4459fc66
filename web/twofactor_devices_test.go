package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// signInWithCode signs alice in through the SMS code, trusting the browser or not.
func (s *tfServer) signInWithCode(t *testing.T, b *webtest.Browser, trust bool) {
	t.Helper()
	s.Clock.Advance(time.Minute) // past the resend cooldown of an earlier sign-in
	before := len(s.Twilio.Messages())
	b.SignIn("alice", goodPassword, "/login/verify")
	_, code := s.smsCode(t, before+1)
	wantStatus(t, "code", verify(b, "code", code, trust), http.StatusSeeOther, "/account")
}

// TestTrustedBrowser: a browser that passed the second factor and asked to be
// trusted skips it next time (never the password); another browser, or the
// same one without its cookie, is asked again (S12).
func TestTrustedBrowser(t *testing.T) {
	eachTwoFactor(t, required("trusted_device_days", "90"), func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		s.addWithMobile(t, "bob", "bob@example.com", "+447700900456")
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		_, code := s.smsCode(t, 1)
		r := verify(b, "code", code, true)
		wantStatus(t, "code with trust", r, http.StatusSeeOther, "/account")
		set := ""
		for _, c := range r.Header.Values("Set-Cookie") { // the session's new secret comes too
			if strings.HasPrefix(c, "gatehouse_device=") {
				set = c
			}
		}
		for _, want := range []string{"gatehouse_device=", "Max-Age=7776000", "HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(set, want) {
				t.Errorf("device cookie %q lacks %q", set, want)
			}
		}
		cookie := b.Cookie("gatehouse_device")
		raw, _, _ := strings.Cut(cookie, ".")
		if len(raw) != 43 {
			t.Fatalf("device cookie %q", cookie)
		}
		if len(s.Audit(t, gatehouse.EventDeviceTrusted)) != 1 {
			t.Error("trusting the browser was not audited")
		}

		// Same browser, later: the password, then straight in.
		b.Post("/logout", nil)
		s.Clock.Advance(89 * 24 * time.Hour)
		if r := b.Submit("/login", "/login", url.Values{"identifier": {"alice"}, "password": {"not the password"}}); r.Status != http.StatusUnauthorized {
			t.Fatalf("a trusted browser with a wrong password: %d", r.Status)
		}
		b.SignIn("alice", goodPassword, "/account")
		if n := len(s.Twilio.Messages()); n != 1 {
			t.Errorf("the trusted browser was sent a code: %d texts", n)
		}
		if ev := s.Audit(t, gatehouse.EventSignIn); ev[0].Details["trusted_device"] == "" {
			t.Errorf("the sign-in does not record the trusted browser: %+v", ev[0].Details)
		}

		// A fresh browser (new cookie jar) is asked.
		fresh := s.Browser(t)
		fresh.SignIn("alice", goodPassword, "/login/verify")
		s.smsCode(t, 2)

		// The cookie does not help another member, nor when altered.
		other := s.Browser(t)
		u, _ := url.Parse(s.URL)
		other.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_device", Value: cookie}})
		other.SignIn("bob", goodPassword, "/login/verify")
		forged := s.Browser(t)
		forged.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_device", Value: raw + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}})
		forged.SignIn("alice", goodPassword, "/login/verify")

		// After trusted_device_days, the browser is asked again.
		b.Post("/logout", nil)
		s.Clock.Advance(24 * time.Hour)
		b.SignIn("alice", goodPassword, "/login/verify")
	})
}

// TestTrustIsOptional: a browser whose member did not tick the box, or whose
// organization trusts none (trusted_device_days = 0), is asked every time.
func TestTrustIsOptional(t *testing.T) {
	s := newTwoFactor(t, "", required())
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	b := s.Browser(t)
	s.signInWithCode(t, b, false)
	if b.Cookie("gatehouse_device") != "" {
		t.Error("a device cookie without the box ticked")
	}
	b.Post("/logout", nil)
	b.SignIn("alice", goodPassword, "/login/verify")

	never := newTwoFactor(t, "", required("trusted_device_days", "0"))
	never.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	c := never.Browser(t)
	c.SignIn("alice", goodPassword, "/login/verify")
	if strings.Contains(c.Get("/login/verify").Body, "Trust this browser") {
		t.Error("trust offered although trusted_device_days is 0")
	}
	_, code := never.smsCode(t, 1)
	verify(c, "code", code, true)
	if c.Cookie("gatehouse_device") != "" {
		t.Error("a device cookie although trusted_device_days is 0")
	}

	// Setting trusted_device_days to 0 stops honouring browsers trusted before.
	s.signInWithCode(t, b, true)
	b.Post("/logout", nil)
	if _, err := s.Admin.UpdateSettings(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID,
		map[string]string{"trusted_device_days": "0"}); err != nil {
		t.Fatal(err)
	}
	b.SignIn("alice", goodPassword, "/login/verify")
}

// TestRevokeTrustedBrowsers: the member lists trusted browsers and revokes
// one or all; a password change and "sign out everywhere" revoke them all.
func TestRevokeTrustedBrowsers(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		laptop, phone := s.Browser(t), s.Browser(t)
		phone.UserAgent = "Mozilla/5.0 (Linux; Android 14) Chrome/140.0 Mobile"
		s.signInWithCode(t, laptop, true)
		s.signInWithCode(t, phone, true)

		page := laptop.Get("/account/devices")
		wantStatus(t, "devices page", page, http.StatusOK, "")
		wantBody(t, "devices page", page, "Firefox on Linux", "Chrome on Android", "Trusted since", "Last used", "Until", "1 Apr 2026")
		ids := deviceIDs.FindAllStringSubmatch(page.Body, -1)
		if len(ids) != 2 {
			t.Fatalf("%d revoke buttons, want 2", len(ids))
		}
		// The newest (the phone) is first: revoke it.
		wantStatus(t, "revoke one", laptop.Post("/account/devices/"+ids[0][1]+"/revoke", nil), http.StatusSeeOther, "/account/devices?done=device_revoked")
		wantStatus(t, "revoke it again", laptop.Post("/account/devices/"+ids[0][1]+"/revoke", nil), http.StatusNotFound, "")
		phone.Post("/logout", nil)
		phone.SignIn("alice", goodPassword, "/login/verify")
		laptop.Post("/logout", nil)
		laptop.SignIn("alice", goodPassword, "/account")
		if ev := s.Audit(t, gatehouse.EventDeviceRevoked); len(ev) != 1 || ev[0].Details["reason"] != "member" {
			t.Errorf("revocation audit: %+v", ev)
		}

		// Another member cannot revoke alice's browser.
		s.addWithMobile(t, "bob", "bob@example.com", "")
		bob := s.Browser(t)
		bob.SignIn("bob", goodPassword, "/login/verify")
		_, bc := s.emailCode(t, 1)
		verify(bob, "code", bc, false)
		ids = deviceIDs.FindAllStringSubmatch(laptop.Get("/account/devices").Body, -1)
		if r := bob.Post("/account/devices/"+ids[0][1]+"/revoke", nil); r.Status != http.StatusNotFound {
			t.Errorf("another member's revocation: %d", r.Status)
		}

		// A password change forgets every trusted browser.
		const next = "granite meadow lantern fjord"
		wantStatus(t, "password change", changePassword(laptop, goodPassword, next, next), http.StatusSeeOther, "")
		laptop.Post("/logout", nil)
		laptop.Submit("/login", "/login", url.Values{"identifier": {"alice"}, "password": {next}})
		if r := laptop.Get("/account"); r.Location != "/login/verify" {
			t.Errorf("after a password change the trusted browser skips the code: %q", r.Location)
		}
		if !hasDetail(s.Audit(t, gatehouse.EventDeviceRevoked), "reason", "password_change") {
			t.Error("the revocation by the password change was not audited")
		}
	})
}

// TestSignOutEverywhere ends every session, this one included, and forgets
// every trusted browser.
func TestSignOutEverywhere(t *testing.T) {
	s := newTwoFactor(t, "", required())
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	a, b := s.Browser(t), s.Browser(t)
	s.signInWithCode(t, a, true)
	s.signInWithCode(t, b, true)
	wantBody(t, "account page", a.Get("/account"), "Sign out everywhere", `href="/account/devices"`, `href="/account/mobile"`, `href="/account/two-factor"`)
	r := a.Submit("/account", "/account/sessions/end-all", nil)
	wantStatus(t, "sign out everywhere", r, http.StatusSeeOther, "/login?done=signed_out_everywhere")
	if signedInOK(a) || signedInOK(b) {
		t.Fatal("a session survived")
	}
	wantBody(t, "sign-in page", a.Get("/login?done=signed_out_everywhere"), "You have signed out everywhere")
	if list, err := s.Store.TrustedDevices(t.Context(), gatehouse.DefaultOrgID, s.Member(t, memberID(t, s, "alice")).ID, s.Clock.Now()); err != nil || len(list) != 0 {
		t.Errorf("trusted browsers left: %d, %v", len(list), err)
	}
	b.SignIn("alice", goodPassword, "/login/verify")
	if ev := s.Audit(t, gatehouse.EventSessionsRevoked); len(ev) != 1 || ev[0].Details["scope"] != "all" || ev[0].Details["count"] != "2" {
		t.Errorf("audit: %+v", ev)
	}
}

// deviceIDs finds the revoke buttons of the devices page.
var deviceIDs = regexp.MustCompile(`action="/account/devices/([a-z2-7]{26})/revoke"`)

func memberID(t *testing.T, s *tfServer, username string) string {
	t.Helper()
	m, err := s.Store.MemberByUsername(t.Context(), gatehouse.DefaultOrgID, username)
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// hasDetail reports whether one of the events has the detail.
func hasDetail(evs []*gatehouse.AuditEvent, key, value string) bool {
	for _, e := range evs {
		if e.Details[key] == value {
			return true
		}
	}
	return false
}

// TestTrustedBrowserCookieOnHTTPS: behind an https public URL the device
// cookie is __Host- prefixed and Secure, and it is honoured. The test browser's
// jar drops Secure cookies on the http test server, so cookies go by hand.
func TestTrustedBrowserCookieOnHTTPS(t *testing.T) {
	tw := gatehousetest.NewTwilioServer(t)
	s := &tfServer{Server: webtest.New(t, webtest.Options{PublicURL: "https://login.example.com", SMSURL: tw.URL(),
		Settings: required()}), Twilio: tw}
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	r := s.Browser(t).Get("/login")
	token := strings.TrimSuffix(strings.TrimPrefix(csrfValue.FindString(r.Body), `value="`), `"`)
	jar := map[string]string{}
	keep := func(h http.Header) {
		for _, c := range h.Values("Set-Cookie") {
			nv, _, _ := strings.Cut(c, ";")
			name, _, _ := strings.Cut(nv, "=")
			jar[name] = nv
		}
	}
	keep(r.Header)
	post := func(path string, form url.Values) *http.Response {
		t.Helper()
		form.Set("csrf_token", token)
		req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var cookies []string
		for _, c := range jar {
			cookies = append(cookies, c)
		}
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		keep(resp.Header)
		return resp
	}
	signIn := url.Values{"identifier": {"alice"}, "password": {goodPassword}}
	if resp := post("/login", signIn); resp.Header.Get("Location") != "https://login.example.com/login/verify" {
		t.Fatalf("sign-in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, code := s.smsCode(t, 1)
	resp := post("/login/verify", url.Values{"method": {"code"}, "code": {code}, "trust": {"on"}})
	if resp.Header.Get("Location") != "https://login.example.com/account" {
		t.Fatalf("verify: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	set := strings.Join(resp.Header.Values("Set-Cookie"), "\n")
	for _, want := range []string{"__Host-gatehouse_device=", "Secure", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("device cookie %q lacks %q", set, want)
		}
	}
	if strings.Contains(set, "Domain=") {
		t.Error("the device cookie names a domain")
	}
	delete(jar, "__Host-gatehouse_session")
	if resp := post("/login", signIn); resp.Header.Get("Location") != "https://login.example.com/account" {
		t.Errorf("the trusted browser was asked again: %s", resp.Header.Get("Location"))
	}
}

// TestAdministratorRevocationsForgetTrustedBrowsers: an administrator who ends
// all of a member's sessions, or disables the account, also ends the trust of
// the member's browsers, audited like the other revocations: the browser that
// skipped the second factor before is asked again.
func TestAdministratorRevocationsForgetTrustedBrowsers(t *testing.T) {
	eachTwoFactor(t, required("trusted_device_days", "30"), func(t *testing.T, s *tfServer) {
		alice := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		key := newAPIKey(t, s.Server, "crm", gatehouse.RoleAdministrator)
		for i, c := range []struct {
			name, reason string
			revoke       func()
		}{
			{"end all sessions", "administrator_ended_sessions", func() {
				if r := apiRequest(t, s.Server, key, "DELETE", "/members/"+alice.ID+"/sessions", ""); r.Status != http.StatusOK {
					t.Fatalf("end sessions: %d\n%s", r.Status, r.Body)
				}
			}},
			{"disable and enable", "account_disabled", func() {
				for _, st := range []string{"disabled", "active"} {
					if r := apiRequest(t, s.Server, key, "PATCH", "/members/"+alice.ID, `{"state": "`+st+`"}`); r.Status != http.StatusOK {
						t.Fatalf("state %s: %d\n%s", st, r.Status, r.Body)
					}
				}
			}},
		} {
			b := s.Browser(t)
			s.signInWithCode(t, b, true)
			b.Post("/logout", nil)
			b.SignIn("alice", goodPassword, "/account") // trusted: no code
			c.revoke()
			if signedInOK(b) {
				t.Fatalf("%s: the session survived", c.name)
			}
			if list, err := s.Store.TrustedDevices(t.Context(), alice.OrgID, alice.ID, s.Clock.Now()); err != nil || len(list) != 0 {
				t.Errorf("%s: %d trusted browsers left (%v)", c.name, len(list), err)
			}
			s.Clock.Advance(time.Minute) // past the resend cooldown
			b.SignIn("alice", goodPassword, "/login/verify")
			s.Twilio.WaitFor(t, 2*(i+1), wait) // its code, before the next round counts texts
			if !hasDetail(s.Audit(t, gatehouse.EventDeviceRevoked), "reason", c.reason) {
				t.Errorf("%s: no device.revoked event with reason %s", c.name, c.reason)
			}
		}
	})
}
