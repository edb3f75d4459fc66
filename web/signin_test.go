package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/secret"
)

const goodPassword = "violet kettle orbit marsh"

func TestSignInAndOut(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		s.Overwrite(t, withWorkEmail(m, "j.doe@corp.example"))
		for _, id := range []string{"jdoe", "JDoe", "jane@example.com", "JANE@example.com", "j.doe@corp.example"} {
			t.Run(id, func(t *testing.T) {
				b := s.Browser(t)
				b.SignIn(id, goodPassword, "/account")
				page := b.Get("/account")
				if page.Status != http.StatusOK || !strings.Contains(strings.ReplaceAll(page.Body, "<wbr>", ""), "jane@example.com") {
					t.Fatalf("account page: %d", page.Status)
				}
				if cc := page.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control = %q", cc)
				}
				api := b.Get("/api/v1/session")
				if api.Status != http.StatusOK || !strings.Contains(api.Body, `"username": "jdoe"`) {
					t.Errorf("session API: %d %s", api.Status, api.Body)
				}
				out := b.Post("/logout", nil)
				if out.Status != http.StatusSeeOther || out.Location != "/login?done=signed_out" {
					t.Fatalf("logout: %d %s", out.Status, out.Location)
				}
				if r := b.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
					t.Errorf("after logout the session API answers %d", r.Status)
				}
			})
		}
		if n := len(s.Audit(t, gatehouse.EventSignIn)); n != 5 {
			t.Errorf("%d sign-in events, want 5", n)
		}
		if n := len(s.Audit(t, gatehouse.EventSignOut)); n != 5 {
			t.Errorf("%d sign-out events, want 5", n)
		}
	})
}

func withWorkEmail(m *gatehouse.Member, e string) *gatehouse.Member {
	m.WorkEmail = e
	return m
}

// TestSignInFailuresLookAlike checks that an unknown account, a wrong password, a
// disabled account and an ambiguous email give the same status and page.
func TestSignInFailuresLookAlike(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "known", "known@example.com", goodPassword, gatehouse.RoleMember)
		dis := s.AddMember(t, "disabled", "dis@example.com", goodPassword, gatehouse.RoleMember)
		dis.State = gatehouse.StateDisabled
		s.Overwrite(t, dis)
		exp := s.AddMember(t, "expired", "exp@example.com", goodPassword, gatehouse.RoleMember)
		exp.ExpiresAt = s.Clock.Now().Add(-time.Hour)
		s.Overwrite(t, exp)
		s.AddMember(t, "never", "never@example.com", "", gatehouse.RoleMember)
		s.AddMember(t, "twin1", "shared@example.com", goodPassword, gatehouse.RoleMember)
		s.AddMember(t, "twin2", "shared@example.com", goodPassword, gatehouse.RoleMember)

		cases := []struct{ name, id, pw string }{
			{"unknown account", "nobody", goodPassword},
			{"wrong password", "known", "wrong password entirely"},
			{"case of password matters", "known", strings.ToUpper(goodPassword)},
			{"disabled account", "disabled", goodPassword},
			{"expired account", "expired", goodPassword},
			{"never activated", "never", goodPassword},
			{"ambiguous email", "shared@example.com", goodPassword},
			{"password with trailing space", "known", goodPassword + " "},
		}
		var first string
		for _, c := range cases {
			b := s.Browser(t)
			r := b.Submit("/login", "/login", url.Values{"identifier": {c.id}, "password": {c.pw}})
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401", c.name, r.Status)
			}
			if !strings.Contains(r.Body, "Wrong username or password.") {
				t.Errorf("%s: generic message missing", c.name)
			}
			body := csrfValue.ReplaceAllString(r.Body, "")
			body = strings.Replace(body, `value="`+c.id+`"`, "", 1)
			if first == "" {
				first = body
			} else if body != first {
				t.Errorf("%s: the page differs from the unknown-account page", c.name)
			}
		}
		if n := len(s.Audit(t, gatehouse.EventSignInFailed)); n != len(cases) {
			t.Errorf("%d failure events, want %d", n, len(cases))
		}
	})
}

func TestSignInThrottling(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"signin_free_attempts": "3", "signin_max_delay": "1m"}},
		func(t *testing.T, s *webtest.Server) {
			s.AddMember(t, "victim", "victim@example.com", goodPassword, gatehouse.RoleMember)
			b := s.Browser(t)
			try := func(pw string) *webtest.Response {
				return b.Submit("/login", "/login", url.Values{"identifier": {"victim"}, "password": {pw}})
			}
			for i := 0; i < 3; i++ {
				if r := try("not the password!"); r.Status != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %d", i+1, r.Status)
				}
			}
			// The fourth failure is counted and imposes a wait of 1 s.
			if r := try("not the password!"); r.Status != http.StatusUnauthorized {
				t.Fatalf("4th attempt: %d", r.Status)
			}
			r := try(goodPassword)
			if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
				t.Fatalf("while throttled, even the right password gets %d (Retry-After %q)", r.Status, r.Header.Get("Retry-After"))
			}
			if !strings.Contains(r.Body, "Too many failed attempts") {
				t.Error("no clear message when throttled")
			}
			// Delays grow: after the 5th failure the wait is 2 s, after the 6th 4 s...
			s.Clock.Advance(2 * time.Second)
			try("not the password!")
			s.Clock.Advance(1500 * time.Millisecond)
			if r := try(goodPassword); r.Status != http.StatusTooManyRequests {
				t.Fatalf("1.5 s into a 2 s wait: %d", r.Status)
			}
			// ...and lift: after the wait the right password works and clears the count.
			s.Clock.Advance(time.Second)
			if r := try(goodPassword); r.Status != http.StatusSeeOther {
				t.Fatalf("after the wait: %d\n%s", r.Status, r.Body)
			}
			b2 := s.Browser(t)
			if r := b2.Submit("/login", "/login", url.Values{"identifier": {"victim"}, "password": {"nope nope nope"}}); r.Status != http.StatusUnauthorized {
				t.Errorf("after a success the count starts again: %d", r.Status)
			}
			// The delay is capped by signin_max_delay: never a permanent lockout.
			for i := 0; i < 20; i++ {
				s.Clock.Advance(2 * time.Minute)
				try("not the password!")
			}
			s.Clock.Advance(61 * time.Second)
			if r := try(goodPassword); r.Status != http.StatusSeeOther {
				t.Errorf("after the maximum delay: %d", r.Status)
			}
			if len(s.Audit(t, gatehouse.EventSignInThrottled)) == 0 {
				t.Error("throttling was not audited")
			}
		})
}

func TestThrottlingCountsUnknownNamesAndAddresses(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"signin_free_attempts": "2", "signin_address_free_attempts": "5"}},
		func(t *testing.T, s *webtest.Server) {
			b := s.Browser(t)
			for i := 0; i < 3; i++ {
				b.Submit("/login", "/login", url.Values{"identifier": {"ghost"}, "password": {"whatever it is"}})
			}
			if r := b.Submit("/login", "/login", url.Values{"identifier": {"ghost"}, "password": {"whatever"}}); r.Status != http.StatusTooManyRequests {
				t.Errorf("unknown name: %d, want 429", r.Status)
			}
			for i := 0; i < 3; i++ {
				b.Submit("/login", "/login", url.Values{"identifier": {"ghost" + string(rune('a'+i))}, "password": {"x"}})
			}
			if r := b.Submit("/login", "/login", url.Values{"identifier": {"fresh-name"}, "password": {"x"}}); r.Status != http.StatusTooManyRequests {
				t.Errorf("same address, new names: %d, want 429", r.Status)
			}
		})
}

func TestSessionIDChangesAtSignIn(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	b.SignIn("jdoe", goodPassword, "/account")
	first := b.Cookie("gatehouse_session")
	b.SignIn("jdoe", goodPassword, "/account")
	second := b.Cookie("gatehouse_session")
	if first == "" || first == second {
		t.Fatalf("session id did not change: %q %q", first, second)
	}
	old := s.Browser(t)
	u, _ := url.Parse(s.URL)
	old.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_session", Value: first}})
	if r := old.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
		t.Errorf("the previous session still works: %d", r.Status)
	}
}

func TestSessionTimeouts(t *testing.T) {
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"session_idle_timeout": "30m", "session_absolute_timeout": "2h"}})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	b.SignIn("jdoe", goodPassword, "/account")
	for i := 0; i < 3; i++ { // activity every 25 minutes keeps the session alive
		s.Clock.Advance(25 * time.Minute)
		if r := b.Get("/api/v1/session"); r.Status != http.StatusOK {
			t.Fatalf("after %d × 25 min: %d", i+1, r.Status)
		}
	}
	s.Clock.Advance(31 * time.Minute)
	if r := b.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
		t.Errorf("idle 31 min: %d, want 401", r.Status)
	}
	b.SignIn("jdoe", goodPassword, "/account")
	for i := 0; i < 5; i++ {
		s.Clock.Advance(25 * time.Minute)
		b.Get("/api/v1/session")
	}
	if r := b.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
		t.Errorf("past the absolute timeout: %d, want 401", r.Status)
	}
	if r := b.Get("/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
		t.Errorf("account page after expiry: %d %s", r.Status, r.Location)
	}
}

func TestOpenRedirectRefused(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
		b := s.Browser(t)
		r := b.Submit("/login", "/login", url.Values{"identifier": {"jdoe"}, "password": {goodPassword}, "next": {next}})
		if r.Location != "/account" {
			t.Errorf("next=%q sent the browser to %q", next, r.Location)
		}
	}
	b := s.Browser(t)
	r := b.Submit("/login", "/login", url.Values{"identifier": {"jdoe"}, "password": {goodPassword}, "next": {"/account/password"}})
	if r.Location != "/account/password" {
		t.Errorf("a local next was not honoured: %q", r.Location)
	}
}

// TestWeakHashesUpgradedAtSignIn imports a bcrypt hash and an argon2id hash with
// weaker parameters; each works once and is replaced by a current hash.
func TestWeakHashesUpgradedAtSignIn(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		imported, err := bcrypt.GenerateFromPassword([]byte(goodPassword), 4)
		if err != nil {
			t.Fatal(err)
		}
		weak, err := secret.NewHasher(secret.HasherConfig{Memory: 64, Time: 1, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		weakHash, _ := weak.Hash(t.Context(), goodPassword)
		for name, hash := range map[string]string{"bcrypt": string(imported), "weak-argon2": weakHash} {
			m := s.AddMember(t, name, name+"@example.com", "", gatehouse.RoleMember)
			m.PasswordHash, m.State = hash, gatehouse.StateActive
			s.Overwrite(t, m)
			s.Browser(t).SignIn(name, goodPassword, "/account")
			got := s.Member(t, m.ID).PasswordHash
			if got == hash || !strings.HasPrefix(got, "$argon2id$v=19$m=256,t=1,p=1,norm=nfkc$") {
				t.Errorf("%s: hash not upgraded: %s", name, got)
			}
			s.Browser(t).SignIn(name, goodPassword, "/account")
		}
		if n := len(s.Audit(t, gatehouse.EventPasswordRehashed)); n != 2 {
			t.Errorf("%d rehash events, want 2", n)
		}
	})
}
