package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

const newPassword = "granite meadow lantern fjord"

// resetLink asks for a reset as identifier and returns the link from the email
// that arrives at to, the n-th message the SMTP server receives.
func resetLink(t *testing.T, s *webtest.Server, b *webtest.Browser, identifier, to string, n int) string {
	t.Helper()
	r := b.RequestReset(identifier, nil)
	if r.Status != http.StatusSeeOther || r.Location != "/forgot-password?done=sent" {
		t.Fatalf("forgot-password: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	// Messages queued at one instant may arrive in any order: take the newest
	// reset email among the first n.
	msgs := s.SMTP.WaitFor(t, n, 20*time.Second)
	for i := n - 1; i >= 0; i-- {
		if strings.Contains(msgs[i].Subject, "Reset") {
			if len(msgs[i].To) != 1 || msgs[i].To[0] != to {
				t.Fatalf("reset email to %v, want %s", msgs[i].To, to)
			}
			return gatehousetest.LinkIn(msgs[i])
		}
	}
	t.Fatalf("no reset email among the first %d messages", n)
	return ""
}

// tokenOf returns the token of a one-time link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no token in %q", link)
	}
	return u.Query().Get("token")
}

func submitReset(b *webtest.Browser, link string, form url.Values) *webtest.Response {
	page := b.Get(link)
	if page.Status != http.StatusOK {
		return page
	}
	f := url.Values{"token": {strings.SplitN(link, "token=", 2)[1]}}
	for k, v := range form {
		f[k] = v
	}
	return b.Post("/reset-password", f)
}

func newPasswordForm(pw string) url.Values {
	return url.Values{"new_password": {pw}, "confirm_password": {pw}}
}

// TestResetFlow follows a forgotten password from the form to the inbox (a real
// SMTP conversation) to the reset page and back to sign-in.
func TestResetFlow(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"organization_name": "Acme Widgets"}}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		m.WorkEmail = "j.doe@corp.example"
		s.Overwrite(t, m)
		signedIn := s.Browser(t)
		signedIn.SignIn("jdoe", goodPassword, "/account")

		login := s.Browser(t).Get("/login")
		if !strings.Contains(login.Body, `href="/forgot-password"`) {
			t.Error("the sign-in page has no forgotten-password link")
		}
		b := s.Browser(t)
		link := resetLink(t, s, b, "J.Doe@Corp.Example", "j.doe@corp.example", 1)
		if !strings.HasPrefix(link, s.URL+"/reset-password?token=") {
			t.Fatalf("link %q", link)
		}
		mail := s.SMTP.Messages()[0]
		if !strings.Contains(mail.Text, "Acme Widgets") || !strings.Contains(mail.Text, "30 minutes") || !strings.Contains(mail.HTML, link) {
			t.Errorf("reset email lacks the organization, the lifetime or the HTML link:\n%s", mail.Text)
		}

		// Requesting a reset locks nobody out (S21).
		s.Browser(t).SignIn("jdoe", goodPassword, "/account")
		if r := signedIn.Get("/api/v1/session"); r.Status != http.StatusOK {
			t.Errorf("a session ended when the reset was only requested: %d", r.Status)
		}

		page := b.Get(link)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "Choose a new password") {
			t.Fatalf("reset page: %d\n%s", page.Status, page.Body)
		}
		for _, want := range []string{"At least 15 characters", `name="token"`, `autocomplete="new-password"`, "keeps working"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("reset page lacks %q", want)
			}
		}
		if strings.Contains(page.Body, `name="email"`) {
			t.Error("the reset page asks for the email address while reset_confirm_email is off")
		}
		if rp := page.Header.Get("Referrer-Policy"); rp != "no-referrer" {
			t.Errorf("Referrer-Policy %q", rp)
		}
		if cc := page.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}

		weak := submitReset(b, link, newPasswordForm("password"))
		if weak.Status != http.StatusUnprocessableEntity || !strings.Contains(weak.Body, "at least 15 characters") || !strings.Contains(weak.Body, "common") {
			t.Fatalf("weak password: %d", weak.Status)
		}
		reused := submitReset(b, link, newPasswordForm(goodPassword))
		if reused.Status != http.StatusUnprocessableEntity || !strings.Contains(reused.Body, "current password or one of your last") {
			t.Fatalf("current password reused: %d", reused.Status)
		}
		mismatch := submitReset(b, link, url.Values{"new_password": {newPassword}, "confirm_password": {newPassword + "x"}})
		if mismatch.Status != http.StatusUnprocessableEntity || !strings.Contains(mismatch.Body, "are not the same") {
			t.Fatalf("mismatch: %d", mismatch.Status)
		}
		// Until the new password is saved, the old one still works (S21).
		s.Browser(t).SignIn("jdoe", goodPassword, "/account")

		done := submitReset(b, link, newPasswordForm(newPassword))
		if done.Status != http.StatusSeeOther || done.Location != "/login?done=password_reset" {
			t.Fatalf("reset: %d %s\n%s", done.Status, done.Location, done.Body)
		}
		if b.Cookie("gatehouse_session") != "" {
			t.Error("reset_signs_in is off, yet the browser got a session")
		}
		if notice := b.Follow(done); !strings.Contains(notice.Body, "Sign in with your new password") {
			t.Errorf("sign-in page after reset lacks the notice")
		}
		if r := s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {"jdoe"}, "password": {goodPassword}}); r.Status != http.StatusUnauthorized {
			t.Errorf("the old password still works after the reset: %d", r.Status)
		}
		s.Browser(t).SignIn("jane@example.com", newPassword, "/account")
		if r := signedIn.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
			t.Errorf("a session survived the reset: %d", r.Status)
		}

		// The link is used up: the clear page with a way to start again (S6).
		again := b.Get(link)
		if again.Status != http.StatusGone || !strings.Contains(again.Body, "Start again") || !strings.Contains(again.Body, `action="/forgot-password"`) {
			t.Errorf("used link: %d\n%s", again.Status, again.Body)
		}
		if r := b.Post("/reset-password", url.Values{"token": {tokenOf(t, link)}, "new_password": {"another fine passphrase"}, "confirm_password": {"another fine passphrase"}}); r.Status != http.StatusGone {
			t.Errorf("posting a used link: %d", r.Status)
		}

		// The member is told, with the time and the address (S5 of the issue).
		msgs := s.SMTP.WaitFor(t, 2, 20*time.Second)
		changed := msgs[1]
		if !strings.Contains(changed.Subject, "password was changed") || !strings.Contains(changed.Text, "127.0.0.1") ||
			!strings.Contains(changed.Text, "2 March 2026") || !strings.Contains(changed.Text, "/forgot-password") {
			t.Errorf("password-changed email:\n%s\n%s", changed.Subject, changed.Text)
		}
		for _, typ := range []gatehouse.EventType{gatehouse.EventResetRequested, gatehouse.EventResetCompleted, gatehouse.EventPasswordChanged} {
			evs := s.Audit(t, typ)
			if len(evs) != 1 || evs[0].MemberID != m.ID {
				t.Errorf("%s: %d events", typ, len(evs))
			}
		}
		if evs := s.Audit(t, gatehouse.EventPasswordChanged); len(evs) == 1 && evs[0].Details["via"] != "reset" {
			t.Errorf("password change via %q", evs[0].Details["via"])
		}
	})
}

// TestResetLinkRefused checks that a superseded and an expired link get the
// clear page, on GET and on POST, and change nothing.
func TestResetLinkRefused(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"reset_link_ttl": "10m"}}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		b := s.Browser(t)
		first := resetLink(t, s, b, "jdoe", "jane@example.com", 1)
		second := resetLink(t, s, b, "jane@example.com", "jane@example.com", 2)
		if first == second {
			t.Fatal("two requests gave the same link")
		}
		if r := b.Get(first); r.Status != http.StatusGone || !strings.Contains(r.Body, "newer one was sent") {
			t.Errorf("superseded link: %d", r.Status)
		}
		if r := b.Post("/reset-password", url.Values{"token": {tokenOf(t, first)}, "new_password": {newPassword}, "confirm_password": {newPassword}}); r.Status != http.StatusGone {
			t.Errorf("posting a superseded link: %d", r.Status)
		}
		if r := b.Get(second); r.Status != http.StatusOK {
			t.Fatalf("the newest link: %d", r.Status)
		}
		s.Clock.Advance(10 * time.Minute)
		if r := b.Get(second); r.Status != http.StatusGone {
			t.Errorf("expired link: %d", r.Status)
		}
		if r := b.Post("/reset-password", url.Values{"token": {tokenOf(t, second)}, "new_password": {newPassword}, "confirm_password": {newPassword}}); r.Status != http.StatusGone {
			t.Errorf("posting an expired link: %d", r.Status)
		}
		for _, bad := range []string{"", "nonsense", strings.Repeat("A", 43), "../../etc/passwd"} {
			if r := b.Get("/reset-password?token=" + url.QueryEscape(bad)); r.Status != http.StatusGone {
				t.Errorf("token %q: %d", bad, r.Status)
			}
		}
		s.Browser(t).SignIn("jdoe", goodPassword, "/account")
		if n := len(s.Audit(t, gatehouse.EventResetCompleted)); n != 0 {
			t.Errorf("%d resets completed", n)
		}
	})
}

// TestResetConcurrentRedemptions submits one link 20 times at once: exactly one
// submission may set the password; the others get the clear page.
func TestResetConcurrentRedemptions(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		link := resetLink(t, s, s.Browser(t), "jdoe", "jane@example.com", 1)
		token := tokenOf(t, link)
		browsers := make([]*webtest.Browser, 20)
		for i := range browsers {
			browsers[i] = s.Browser(t)
			browsers[i].Get(link)
		}
		start := make(chan struct{})
		statuses := make([]int, len(browsers))
		var wg sync.WaitGroup
		for i, b := range browsers {
			wg.Go(func() {
				<-start
				pw := newPassword + " " + string(rune('a'+i))
				statuses[i] = b.Post("/reset-password", url.Values{"token": {token}, "new_password": {pw}, "confirm_password": {pw}}).Status
			})
		}
		close(start)
		wg.Wait()
		wins, gone := 0, 0
		for _, st := range statuses {
			switch st {
			case http.StatusSeeOther:
				wins++
			case http.StatusGone:
				gone++
			}
		}
		if wins != 1 || gone != 19 {
			t.Fatalf("statuses %v: %d successes and %d refusals, want 1 and 19", statuses, wins, gone)
		}
		if n := len(s.Audit(t, gatehouse.EventPasswordChanged)); n != 1 {
			t.Errorf("%d password changes recorded", n)
		}
		hist, _ := s.Store.PasswordHistory(t.Context(), m.OrgID, m.ID, 10)
		if len(hist) != 1 {
			t.Errorf("password history has %d entries, want the one old password", len(hist))
		}
	})
}

// TestResetConfirmEmail turns reset_confirm_email on (S20): the page asks for
// the account's address first, matched case-insensitively against the personal
// and the work address; a wrong one is refused, and too many kill the link.
func TestResetConfirmEmail(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"reset_confirm_email": "on"}}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		m.WorkEmail = "j.doe@corp.example"
		s.Overwrite(t, m)
		b := s.Browser(t)
		link := resetLink(t, s, b, "jdoe", "j.doe@corp.example", 1)
		page := b.Get(link)
		if !strings.Contains(page.Body, `name="email"`) || strings.Contains(page.Body, `value="jdoe"`) {
			t.Fatalf("the page does not ask for the email address, or shows the username:\n%s", page.Body)
		}
		form := newPasswordForm(newPassword)
		if r := submitReset(b, link, form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="email-error"`) {
			t.Errorf("no email: %d", r.Status)
		}
		form.Set("email", "someone@example.com")
		r := submitReset(b, link, form)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "not the email address of the account") || !strings.Contains(r.Body, `value="someone@example.com"`) {
			t.Errorf("wrong email: %d", r.Status)
		}
		form.Set("email", " JANE@Example.COM ")
		if r := submitReset(b, link, form); r.Status != http.StatusSeeOther {
			t.Fatalf("the personal address in other case: %d\n%s", r.Status, r.Body)
		}
		s.Browser(t).SignIn("jdoe", newPassword, "/account")

		// The work address works too; five wrong guesses kill the link.
		link = resetLink(t, s, b, "jdoe", "j.doe@corp.example", 3)
		form = newPasswordForm("a third long passphrase")
		form.Set("email", "j.doe@corp.example")
		if r := submitReset(b, link, form); r.Status != http.StatusSeeOther {
			t.Fatalf("the work address: %d", r.Status)
		}
		link = resetLink(t, s, b, "jdoe", "j.doe@corp.example", 5)
		form.Set("email", "guess@example.com")
		for i := 1; i <= 5; i++ {
			r := submitReset(b, link, form)
			if want := map[bool]int{true: http.StatusGone, false: http.StatusUnprocessableEntity}[i == 5]; r.Status != want {
				t.Errorf("guess %d: %d, want %d", i, r.Status, want)
			}
		}
		form.Set("email", "jane@example.com")
		if r := submitReset(b, link, form); r.Status != http.StatusGone {
			t.Errorf("after five wrong guesses the link still works: %d", r.Status)
		}
	})
}

// TestResetSignsIn turns reset_signs_in on (S7): the reset ends every other
// session and leaves the browser signed in, in a session marked as following
// a reset.
func TestResetSignsIn(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"reset_signs_in": "on"}}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		other := s.Browser(t)
		other.SignIn("jdoe", goodPassword, "/account")
		b := s.Browser(t)
		link := resetLink(t, s, b, "jdoe", "jane@example.com", 1)
		r := submitReset(b, link, newPasswordForm(newPassword))
		if r.Status != http.StatusSeeOther || r.Location != "/account?done=password_changed" {
			t.Fatalf("reset: %d %s", r.Status, r.Location)
		}
		if page := b.Follow(r); page.Status != http.StatusOK || !strings.Contains(page.Body, "Your password has been changed") {
			t.Errorf("account page after the reset: %d", page.Status)
		}
		if r := other.Get("/api/v1/session"); r.Status != http.StatusUnauthorized {
			t.Errorf("the other session survived: %d", r.Status)
		}
		list, _ := s.Store.MemberSessions(t.Context(), m.OrgID, m.ID, s.Clock.Now())
		if len(list) != 1 || !list[0].AfterReset || list[0].Stage != gatehouse.StageActive {
			t.Errorf("sessions after the reset: %+v", list)
		}
		if evs := s.Audit(t, gatehouse.EventResetCompleted); len(evs) != 1 || evs[0].Details["signed_in"] != "true" {
			t.Errorf("audit: %+v", evs)
		}
	})
}

// TestResetLinkUsesPublicURL sends the request with a forged Host header: the
// link in the email is still built from GATEHOUSE_PUBLIC_URL.
func TestResetLinkUsesPublicURL(t *testing.T) {
	s := webtest.New(t, webtest.Options{PublicURL: "http://id.example.com:8443/auth"})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	b := s.Browser(t)
	page := b.Get("/forgot-password")
	sol, _ := captcha.Solve(webtest.Challenge(page))
	form := url.Values{"identifier": {"jdoe"}, "captcha_challenge": {webtest.Challenge(page)}, "captcha_solution": {sol}}
	csrf := csrfValue.FindString(page.Body)
	form.Set("csrf_token", strings.TrimSuffix(strings.TrimPrefix(csrf, `value="`), `"`))
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/forgot-password", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Host", "evil.example")
	// The client picks cookies by the Host header, so the jar's cookie goes by hand.
	req.AddCookie(&http.Cookie{Name: "gatehouse_csrf", Value: b.Cookie("gatehouse_csrf")})
	resp, err := (&http.Client{CheckRedirect: b.Client.CheckRedirect}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "http://id.example.com:8443/auth/forgot-password") {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("answer: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	msg := s.SMTP.WaitFor(t, 1, 20*time.Second)[0]
	link := gatehousetest.LinkIn(msg)
	if !strings.HasPrefix(link, "http://id.example.com:8443/auth/reset-password?token=") || strings.Contains(msg.Text+msg.HTML, "evil.example") {
		t.Errorf("link %q", link)
	}
}

// TestResetMailGoesToTheAddressTyped: a reset asked for with the member's
// personal address is mailed there, with the work address there (as stored,
// whatever the case typed), and with the username to the contact address, the
// work one (seed 000: the email goes to the address provided).
func TestResetMailGoesToTheAddressTyped(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"reset_requests_per_hour": "10"}}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		m.WorkEmail = "J.Doe@Corp.example"
		s.Overwrite(t, m)
		b := s.Browser(t)
		for i, c := range []struct{ typed, to string }{
			{"jane@example.com", "jane@example.com"},
			{" JANE@Example.COM", "jane@example.com"},
			{"j.doe@corp.example", "J.Doe@Corp.example"},
			{"jdoe", "J.Doe@Corp.example"},
		} {
			resetLink(t, s, b, c.typed, c.to, i+1)
		}
	})
}
