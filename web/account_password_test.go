package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

func changePassword(b *webtest.Browser, current, next, confirm string) *webtest.Response {
	return b.Submit("/account/password", "/account/password", url.Values{
		"current_password": {current}, "new_password": {next}, "confirm_password": {confirm},
	})
}

func TestChangePassword(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		b := s.Browser(t)
		b.SignIn("jdoe", goodPassword, "/account")
		other := s.Browser(t)
		other.SignIn("jane@example.com", goodPassword, "/account")

		page := b.Get("/account/password")
		for _, want := range []string{"At least 15 characters", "common or previously breached", `autocomplete="current-password"`, `autocomplete="new-password"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the form does not state %q before typing", want)
			}
		}
		const next = "granite meadow lantern fjord"
		r := changePassword(b, goodPassword, next, next)
		if r.Status != http.StatusSeeOther || r.Location != "/account?done=password_changed" {
			t.Fatalf("change: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		if r := b.Get("/api/v1/session"); r.Status != http.StatusOK {
			t.Errorf("the session that changed the password ended: %d", r.Status)
		}
		if r := other.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
			t.Errorf("another session survived the password change: %d", r.Status)
		}
		fresh := s.Browser(t)
		if r := fresh.Submit("/login", "/login", url.Values{"identifier": {"jdoe"}, "password": {goodPassword}}); r.Status != http.StatusUnauthorized {
			t.Errorf("the old password still works: %d", r.Status)
		}
		fresh.SignIn("jdoe", next, "/account")
		if got := s.Member(t, m.ID); !got.PasswordChangedAt.Equal(s.Clock.Now()) {
			t.Errorf("password_changed_at = %v", got.PasswordChangedAt)
		}
		if len(s.Audit(t, gatehouse.EventPasswordChanged)) != 1 {
			t.Error("password change not audited")
		}
		msgs := s.SMTP.WaitFor(t, 1, 10*time.Second)
		if !strings.Contains(msgs[0].Subject, "password") || msgs[0].To[0] != "jane@example.com" {
			t.Errorf("password-changed email: %+v", msgs[0])
		}
	})
}

func TestRefusedPasswordNamesEveryRule(t *testing.T) {
	s := webtest.New(t, webtest.Options{Settings: map[string]string{
		"password_min_length": "10", "password_require_upper": "on", "password_require_digit": "on", "password_require_special": "on",
	}})
	s.AddMember(t, "jdoe", "jane@example.com", "Violet-kettle-42", gatehouse.RoleMember)
	b := s.Browser(t)
	b.SignIn("jdoe", "Violet-kettle-42", "/account")
	r := changePassword(b, "Violet-kettle-42", "short", "other")
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	for _, want := range []string{"at least 10 characters", "an uppercase letter", "a digit", "a special character", "are not the same"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("refusal does not name %q", want)
		}
	}
	if !strings.Contains(r.Body, `id="new_password-error"`) || !strings.Contains(r.Body, `aria-describedby="new_password-error`) {
		t.Error("the message is not tied to the new-password field")
	}
	if r := changePassword(b, "Violet-kettle-42", "Password1234", "Password1234"); !strings.Contains(r.Body, "common or breached") {
		t.Errorf("a common password was not refused as such: %d", r.Status)
	}
	if r := changePassword(b, "Violet-kettle-42", "Jdoe-is-cool-1", "Jdoe-is-cool-1"); !strings.Contains(r.Body, "your name, username") {
		t.Error("a password with the username was not refused")
	}
}

func TestPasswordHistory(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"password_history": "4"}}, func(t *testing.T, s *webtest.Server) {
		pws := []string{"first passphrase here", "second passphrase here", "third passphrase here", "fourth passphrase here", "fifth passphrase here"}
		s.AddMember(t, "jdoe", "jane@example.com", pws[0], gatehouse.RoleMember)
		b := s.Browser(t)
		b.SignIn("jdoe", pws[0], "/account")
		cur := pws[0]
		for _, p := range pws[1:4] {
			if r := changePassword(b, cur, p, p); r.Status != http.StatusSeeOther {
				t.Fatalf("change to %q: %d\n%s", p, r.Status, r.Body)
			}
			cur = p
		}
		// The current password and the three before it (history 4) are refused.
		for _, p := range pws[:4] {
			r := changePassword(b, cur, p, p)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "last 4 passwords") {
				t.Errorf("reuse of %q: %d", p, r.Status)
			}
		}
		if r := changePassword(b, cur, pws[4], pws[4]); r.Status != http.StatusSeeOther {
			t.Fatalf("a new password: %d", r.Status)
		}
		// Now the first one has dropped out of the last four.
		if r := changePassword(b, pws[4], pws[0], pws[0]); r.Status != http.StatusSeeOther {
			t.Errorf("a password older than the history: %d\n%s", r.Status, r.Body)
		}
	})
}

func TestWrongCurrentPassword(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	b.SignIn("jdoe", goodPassword, "/account")
	r := changePassword(b, "not my password", "granite meadow lantern fjord", "granite meadow lantern fjord")
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "current password is not correct") {
		t.Errorf("%d", r.Status)
	}
}

func TestPasswordChangeDisabled(t *testing.T) {
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"allow_password_change": "off"}})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	b.SignIn("jdoe", goodPassword, "/account")
	if r := b.Get("/account"); strings.Contains(r.Body, `href="/account/password"`) {
		t.Error("the account page offers a change the organization forbids")
	}
	r := changePassword(b, goodPassword, "granite meadow lantern fjord", "granite meadow lantern fjord")
	if r.Status != http.StatusForbidden {
		t.Errorf("status %d, want 403", r.Status)
	}
}

func TestExpiredPasswordForcesRenewal(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"password_max_age_days": "90"}}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		s.Clock.Advance(91 * 24 * time.Hour)
		b := s.Browser(t)
		b.SignIn("jdoe", goodPassword, "/login/renew")
		// Nothing else is reachable until the password is renewed.
		for _, p := range []string{"/account", "/account/password"} {
			if r := b.Get(p); r.Status != http.StatusSeeOther || r.Location != "/login/renew" {
				t.Errorf("GET %s: %d %s", p, r.Status, r.Location)
			}
		}
		if r := b.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
			t.Errorf("session API before renewal: %d", r.Status)
		}
		page := b.Get("/login/renew")
		if !strings.Contains(page.Body, "Your password has expired") {
			t.Error("the page does not say why")
		}
		r := b.Post("/login/renew", url.Values{"new_password": {goodPassword}, "confirm_password": {goodPassword}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("renewing with the same password: %d", r.Status)
		}
		const next = "granite meadow lantern fjord"
		r = b.Post("/login/renew", url.Values{"new_password": {next}, "confirm_password": {next}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/account") {
			t.Fatalf("renewal: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		if r := b.Get("/api/v1/session"); r.Status != http.StatusOK {
			t.Errorf("after renewal: %d", r.Status)
		}
	})
}

func TestMustChangeFlagForcesRenewal(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	m.MustChangePassword = true
	s.Overwrite(t, m)
	b := s.Browser(t)
	b.SignIn("jdoe", goodPassword, "/login/renew")
	if r := b.Get("/login/renew"); !strings.Contains(r.Body, "choose a new password before you continue") {
		t.Error("reason missing")
	}
	next := "granite meadow lantern fjord"
	b.Post("/login/renew", url.Values{"new_password": {next}, "confirm_password": {next}})
	if s.Member(t, m.ID).MustChangePassword {
		t.Error("flag still set")
	}
}

func TestEndSessions(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	a, b, c := s.Browser(t), s.Browser(t), s.Browser(t)
	b.UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/140.0 Safari/537.36"
	a.SignIn("jdoe", goodPassword, "/account")
	b.SignIn("jdoe", goodPassword, "/account")
	c.SignIn("jdoe", goodPassword, "/account")
	page := a.Get("/account")
	if !strings.Contains(page.Body, "Chrome on Windows") || !strings.Contains(page.Body, "Firefox on Linux") || !strings.Contains(page.Body, "127.0.0.1") {
		t.Fatalf("the sessions list lacks device or address")
	}
	sessions, _ := s.SignIn.Sessions(context.Background(), s.Member(t, mustID(t, s, "jdoe")))
	var bID string
	for _, x := range sessions {
		if strings.Contains(x.UserAgent, "Windows") {
			bID = x.ID
		}
	}
	if r := a.Post("/account/sessions/"+bID+"/end", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("end: %d", r.Status)
	}
	if r := b.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
		t.Errorf("ended session still works")
	}
	if r := c.Get("/api/v1/session"); r.Status != http.StatusOK {
		t.Errorf("another session ended too")
	}
	// Someone else's session id cannot be ended.
	s.AddMember(t, "eve", "eve@example.com", goodPassword, gatehouse.RoleMember)
	e := s.Browser(t)
	e.SignIn("eve", goodPassword, "/account")
	sessions, _ = s.SignIn.Sessions(context.Background(), s.Member(t, mustID(t, s, "jdoe")))
	if r := e.Post("/account/sessions/"+sessions[0].ID+"/end", nil); r.Status != http.StatusNotFound {
		t.Errorf("ending another member's session: %d", r.Status)
	}
	if r := a.Post("/account/sessions/end-others", nil); r.Status != http.StatusSeeOther {
		t.Fatal(r.Status)
	}
	if r := c.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
		t.Errorf("end-others left a session")
	}
	if r := a.Get("/api/v1/session"); r.Status != http.StatusOK {
		t.Errorf("end-others ended the current session")
	}
}

func mustID(t *testing.T, s *webtest.Server, username string) string {
	m, err := s.Store.MemberByUsername(context.Background(), gatehouse.DefaultOrgID, username)
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}
