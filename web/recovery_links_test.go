package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// mailedLink waits for the n-th email and returns the newest link to path
// among the first n.
func mailedLink(t *testing.T, s *webtest.Server, path string, n int) string {
	t.Helper()
	msgs := s.SMTP.WaitFor(t, n, 20*time.Second)
	for i := n - 1; i >= 0; i-- {
		if l := gatehousetest.LinkIn(msgs[i]); strings.Contains(l, path+"?token=") {
			return l
		}
	}
	t.Fatalf("no %s link among the first %d emails", path, n)
	return ""
}

// wantDeadLinks fails t unless neither link can set a password any more: the
// page says the link is gone and a submission is refused without a change.
func wantDeadLinks(t *testing.T, s *webtest.Server, m *gatehouse.Member, reset, activation string) {
	t.Helper()
	b := s.Browser(t)
	before := s.Member(t, m.ID).PasswordHash
	const attacker = "attacker chosen passphrase"
	for _, l := range []struct{ path, link string }{{"/reset-password", reset}, {"/activate", activation}} {
		if l.link == "" {
			continue
		}
		if r := b.Get(l.link); r.Status != http.StatusGone {
			t.Errorf("%s link after the password change: %d, want 410", l.path, r.Status)
		}
		b.Get("/login") // a page with a form, for the anti-forgery token
		f := url.Values{"token": {tokenOf(t, l.link)}, "new_password": {attacker}, "confirm_password": {attacker}}
		if r := b.Post(l.path, f); r.Status != http.StatusGone {
			t.Errorf("posting the %s link after the password change: %d, want 410", l.path, r.Status)
		}
	}
	if s.Member(t, m.ID).PasswordHash != before {
		t.Error("a link sent before the password change set the password")
	}
}

// TestLinksEndWhenPasswordChanges: a reset or activation link sent before the
// member chose a new password, by whatever route, can no longer set it (the
// attacker who asked for it must not). Setup links end once an owner has a
// password.
func TestLinksEndWhenPasswordChanges(t *testing.T) {
	t.Run("change", func(t *testing.T) {
		webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
			o := newAdminOrg(t, s)
			reset := resetLink(t, s, s.Browser(t), "mia", "mia@example.com", 1)
			if _, err := s.Admin.SendMemberActivation(t.Context(), gatehouse.MemberActor(o.Owner), gatehouse.Client{}, o.Member.OrgID, o.Member.ID); err != nil {
				t.Fatal(err)
			}
			activation := mailedLink(t, s, "/activate", 2)
			b := signedInAs(t, s, "mia")
			if r := changePassword(b, goodPassword, newPassword, newPassword); r.Status != http.StatusSeeOther {
				t.Fatalf("change: %d\n%s", r.Status, r.Body)
			}
			wantDeadLinks(t, s, o.Member, reset, activation)
		})
	})
	t.Run("renew", func(t *testing.T) {
		webtest.Each(t, webtest.Options{Settings: map[string]string{"password_max_age_days": "90"}}, func(t *testing.T, s *webtest.Server) {
			m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
			s.Clock.Advance(91 * 24 * time.Hour)
			b := s.Browser(t)
			b.SignIn("jdoe", goodPassword, "/login/renew")
			reset := resetLink(t, s, s.Browser(t), "jdoe", "jane@example.com", 1)
			if r := b.Submit("/login/renew", "/login/renew", newPasswordForm(newPassword)); r.Status != http.StatusSeeOther {
				t.Fatalf("renew: %d\n%s", r.Status, r.Body)
			}
			wantDeadLinks(t, s, m, reset, "")
		})
	})
	t.Run("administrator", func(t *testing.T) {
		webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
			o := newAdminOrg(t, s)
			reset := resetLink(t, s, s.Browser(t), "mia", "mia@example.com", 1)
			if err := s.Admin.SetMemberPassword(t.Context(), gatehouse.MemberActor(o.Admin), gatehouse.Client{}, o.Member.OrgID, o.Member.ID, newPassword, false); err != nil {
				t.Fatal(err)
			}
			wantDeadLinks(t, s, o.Member, reset, "")
		})
	})
	t.Run("setup", func(t *testing.T) {
		webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
			link, err := s.Recovery.SetupLink(t.Context(), gatehouse.DefaultOrgID)
			if err != nil || link == "" {
				t.Fatalf("SetupLink: %q %v", link, err)
			}
			// gatehouse user add --role owner --password-stdin
			if _, _, err := s.Admin.CreateMember(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.NewMember{
				OrgID: gatehouse.DefaultOrgID, Username: "boss", Email: "boss@example.com", Role: gatehouse.RoleOwner, Password: goodPassword}); err != nil {
				t.Fatal(err)
			}
			if r := s.Browser(t).Get(link); r.Status != http.StatusGone {
				t.Errorf("the setup link once an owner exists: %d, want 410", r.Status)
			}
		})
	})
}
