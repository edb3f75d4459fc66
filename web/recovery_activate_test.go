package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

func submitActivation(b *webtest.Browser, link string, form url.Values) *webtest.Response {
	page := b.Get(link)
	if page.Status != http.StatusOK {
		return page
	}
	f := url.Values{"token": {strings.SplitN(link, "token=", 2)[1]}}
	for k, v := range form {
		f[k] = v
	}
	return b.Post("/activate", f)
}

// TestActivation creates an account without a password: the activation email
// arrives over SMTP, its link lets the member choose a first password, the
// account becomes active, and the link works once.
func TestActivation(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"organization_name": "Acme Widgets"}}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "newbie", "newbie@example.com", "", gatehouse.RoleMember)
		if m.State != gatehouse.StateNeverActivated {
			t.Fatalf("state %s", m.State)
		}
		mail := s.SMTP.WaitFor(t, 1, 20*time.Second)[0]
		link := gatehousetest.LinkIn(mail)
		if mail.To[0] != "newbie@example.com" || !strings.Contains(mail.Subject, "Choose your Acme Widgets password") ||
			!strings.HasPrefix(link, s.URL+"/activate?token=") || !strings.Contains(mail.Text, "7 days") {
			t.Fatalf("activation email to %v, %q, link %q", mail.To, mail.Subject, link)
		}
		if r := s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {"newbie"}, "password": {"anything at all here"}}); r.Status != http.StatusUnauthorized {
			t.Errorf("a never-activated account signs in: %d", r.Status)
		}
		b := s.Browser(t)
		page := b.Get(link)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "Choose your password") || !strings.Contains(page.Body, "At least 15 characters") ||
			!strings.Contains(page.Body, `action="/activate"`) {
			t.Fatalf("activation page: %d\n%s", page.Status, page.Body)
		}
		if r := submitActivation(b, link, newPasswordForm("newbie newbie newbie")); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a password with the username: %d", r.Status)
		}
		r := submitActivation(b, link, newPasswordForm(newPassword))
		if r.Status != http.StatusSeeOther || r.Location != "/login?done=activated" {
			t.Fatalf("activation: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		if got := s.Member(t, m.ID); got.State != gatehouse.StateActive || got.PasswordChangedAt.IsZero() {
			t.Errorf("after activation: %s", got.State)
		}
		if notice := b.Follow(r); !strings.Contains(notice.Body, "Your account is ready") {
			t.Error("no notice on the sign-in page")
		}
		b.SignIn("newbie", newPassword, "/account")

		again := s.Browser(t).Get(link)
		if again.Status != http.StatusGone || !strings.Contains(again.Body, "administrator to send you a new activation link") || strings.Contains(again.Body, `action="/forgot-password"`) {
			t.Errorf("used activation link: %d\n%s", again.Status, again.Body)
		}
		late := s.Browser(t)
		late.Get("/login")
		if r := late.Post("/activate", url.Values{"token": {tokenOf(t, link)}, "new_password": {"yet another passphrase"}, "confirm_password": {"yet another passphrase"}}); r.Status != http.StatusGone {
			t.Errorf("posting a used activation link: %d", r.Status)
		}
		if n := len(s.Audit(t, gatehouse.EventActivated)); n != 1 {
			t.Errorf("%d activation events", n)
		}
		// Now active, the account may use the forgotten-password flow.
		resetLink(t, s, s.Browser(t), "newbie", "newbie@example.com", 3)
	})
}

// TestActivationLinkOnce submits one activation link ten times at once.
func TestActivationLinkOnce(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "newbie", "newbie@example.com", "", gatehouse.RoleMember)
		link := gatehousetest.LinkIn(s.SMTP.WaitFor(t, 1, 20*time.Second)[0])
		browsers := make([]*webtest.Browser, 10)
		for i := range browsers {
			browsers[i] = s.Browser(t)
			browsers[i].Get(link)
		}
		var wg sync.WaitGroup
		statuses := make([]int, len(browsers))
		for i, b := range browsers {
			wg.Go(func() {
				pw := newPassword + " " + string(rune('a'+i))
				statuses[i] = b.Post("/activate", url.Values{"token": {tokenOf(t, link)}, "new_password": {pw}, "confirm_password": {pw}}).Status
			})
		}
		wg.Wait()
		wins := 0
		for _, st := range statuses {
			if st == http.StatusSeeOther {
				wins++
			} else if st != http.StatusGone {
				t.Errorf("status %d", st)
			}
		}
		if wins != 1 {
			t.Errorf("statuses %v: %d activations, want 1", statuses, wins)
		}
	})
}

// TestActivationOfDisabledAccount refuses a link whose account was disabled
// after it was sent.
func TestActivationOfDisabledAccount(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	m := s.AddMember(t, "newbie", "newbie@example.com", "", gatehouse.RoleMember)
	link := gatehousetest.LinkIn(s.SMTP.WaitFor(t, 1, 20*time.Second)[0])
	m.State = gatehouse.StateDisabled
	s.Overwrite(t, m)
	if r := s.Browser(t).Get(link); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "disabled or has expired") {
		t.Errorf("disabled account's link: %d", r.Status)
	}
	if r := submitActivation(s.Browser(t), link, newPasswordForm(newPassword)); r.Status != http.StatusForbidden {
		t.Errorf("posting it: %d", r.Status)
	}
	if got := s.Member(t, m.ID); got.PasswordHash != "" {
		t.Error("a password was set")
	}
}
