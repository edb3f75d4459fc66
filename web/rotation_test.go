package web_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// withSession returns a new browser that carries only the session cookie value,
// as someone who planted or copied it would.
func withSession(t *testing.T, s *webtest.Server, value string) *webtest.Browser {
	t.Helper()
	b := s.Browser(t)
	u, _ := url.Parse(s.URL)
	b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_session", Value: value}})
	return b
}

// wantDead fails unless the session secret no longer works anywhere: the
// session API refuses it and the pages send it to sign in.
func wantDead(t *testing.T, s *webtest.Server, what, value string) {
	t.Helper()
	b := withSession(t, s, value)
	if r := b.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
		t.Errorf("%s: the session API answers %d to the old secret, want 401", what, r.Status)
	}
	for _, p := range []string{"/account", "/login/verify", "/login/renew"} {
		if r := b.Get(p); r.Status != http.StatusSeeOther || (r.Location != "/login" && r.Location != "/login?next=%2Faccount") {
			t.Errorf("%s: GET %s with the old secret: %d to %q, want a redirect to sign in", what, p, r.Status, r.Location)
		}
	}
}

// TestSecondFactorRotatesSession: the secret the browser holds before the
// second factor (which an attacker could have planted or seen) does not become
// the signed-in session: proving the second factor gives a new one, and the
// old one stops working at once.
func TestSecondFactorRotatesSession(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		b := s.Browser(t)
		b.SignIn("alice", goodPassword, "/login/verify")
		before := b.Cookie("gatehouse_session")
		_, code := s.smsCode(t, 1)
		wantStatus(t, "right code", verify(b, "code", code, false), http.StatusSeeOther, "/account")
		after := b.Cookie("gatehouse_session")
		if before == "" || after == "" || after == before {
			t.Fatalf("the session secret did not change at the second factor: %q, then %q", before, after)
		}
		if !signedInOK(b) {
			t.Fatal("the new secret is not signed in")
		}
		wantDead(t, s.Server, "after the second factor", before)
		if !signedInOK(b) {
			t.Error("trying the old secret ended the new session")
		}
	})
}

// TestConcurrentSecondFactorsRotateOnce: two answers sent at once with one
// pre-verify secret and the same right code: one signs in, and exactly one
// session of the member exists afterwards, under one new secret.
func TestConcurrentSecondFactorsRotateOnce(t *testing.T) {
	eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
		m := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
		a := s.Browser(t)
		a.SignIn("alice", goodPassword, "/login/verify")
		_, code := s.smsCode(t, 1)
		u, _ := url.Parse(s.URL)
		b := s.Browser(t)
		b.Client.Jar.SetCookies(u, a.Client.Jar.Cookies(u))
		a.Get("/login/verify")
		b.Get("/login/verify")
		var wg sync.WaitGroup
		res := make([]*webtest.Response, 2)
		for i, br := range []*webtest.Browser{a, b} {
			wg.Go(func() { res[i] = br.Post("/login/verify", url.Values{"method": {"code"}, "code": {code}}) })
		}
		wg.Wait()
		ok := 0
		for _, br := range []*webtest.Browser{a, b} {
			if signedInOK(br) {
				ok++
			}
		}
		if ok != 1 || sessionsOf(t, s.Server, m) != 1 {
			t.Errorf("%d browsers signed in (answers %d and %d), %d sessions; want 1 and 1",
				ok, res[0].Status, res[1].Status, sessionsOf(t, s.Server, m))
		}
	})
}

// TestRenewalRotatesSession: the secret that could only renew an expired
// password does not become the signed-in session.
func TestRenewalRotatesSession(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"password_max_age_days": "90"}}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		s.Clock.Advance(91 * 24 * time.Hour)
		b := s.Browser(t)
		b.SignIn("jdoe", goodPassword, "/login/renew")
		before := b.Cookie("gatehouse_session")
		const next = "granite meadow lantern fjord"
		r := b.Submit("/login/renew", "/login/renew", url.Values{"new_password": {next}, "confirm_password": {next}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("renewal: %d\n%s", r.Status, r.Body)
		}
		after := b.Cookie("gatehouse_session")
		if after == "" || after == before {
			t.Fatalf("the session secret did not change at renewal: %q, then %q", before, after)
		}
		if !signedInOK(b) {
			t.Fatal("the new secret is not signed in")
		}
		wantDead(t, s, "after renewal", before)
	})
}

// TestPasswordChangeRotatesSession: changing one's password keeps the browser
// signed in under a new secret; the old secret, wherever it was copied, stops
// working at once, as do the member's other sessions.
func TestPasswordChangeRotatesSession(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		b := signedInAs(t, s, "jdoe")
		other := signedInAs(t, s, "jdoe")
		before := b.Cookie("gatehouse_session")
		const next = "granite meadow lantern fjord"
		if r := changePassword(b, goodPassword, next, next); r.Status != http.StatusSeeOther {
			t.Fatalf("change: %d\n%s", r.Status, r.Body)
		}
		after := b.Cookie("gatehouse_session")
		if after == "" || after == before {
			t.Fatalf("the session secret did not change with the password: %q, then %q", before, after)
		}
		if !signedInOK(b) {
			t.Fatal("the browser that changed the password is no longer signed in")
		}
		wantDead(t, s, "after a password change", before)
		if signedInOK(other) || sessionsOf(t, s, m) != 1 {
			t.Errorf("other sessions survived the change: %d sessions", sessionsOf(t, s, m))
		}
	})
}

// TestRoleChangeEndsSessions: a change of role ends the member's sessions, so
// that no secret issued before a promotion acts with the new role; the member
// signs in again and has it.
func TestRoleChangeEndsSessions(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		b := signedInAs(t, s, "mia")
		before := b.Cookie("gatehouse_session")
		key := newAPIKey(t, s, "crm", gatehouse.RoleOwner)
		if r := apiRequest(t, s, key, "PATCH", "/members/"+o.Member.ID, `{"role": "administrator"}`); r.Status != http.StatusOK {
			t.Fatalf("promotion: %d\n%s", r.Status, r.Body)
		}
		wantDead(t, s, "after a promotion", before)
		if r := b.Get("/admin/members"); r.Status != http.StatusSeeOther {
			t.Errorf("the admin area answers %d to the session from before the promotion", r.Status)
		}
		if n := sessionsOf(t, s, o.Member); n != 0 {
			t.Errorf("%d sessions after the promotion, want 0", n)
		}
		if ev := s.Audit(t, gatehouse.EventMemberUpdated); len(ev) == 0 || ev[0].Details["sessions_ended"] != "1" {
			t.Errorf("the ended sessions are not in the audit event: %+v", ev)
		}
		b = signedInAs(t, s, "mia")
		if r := b.Get("/admin/members"); r.Status != http.StatusOK {
			t.Errorf("signed in again, the administrator gets %d from the admin area", r.Status)
		}
		// A demotion ends them too.
		if r := apiRequest(t, s, key, "PATCH", "/members/"+o.Member.ID, `{"role": "member"}`); r.Status != http.StatusOK {
			t.Fatalf("demotion: %d\n%s", r.Status, r.Body)
		}
		if signedInOK(b) {
			t.Error("the administrator's session survived the demotion")
		}
	})
}
