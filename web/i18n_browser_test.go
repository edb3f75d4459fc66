package web_test

import (
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

// switchLanguage chooses lang with the language switch of the page the tab
// is on (a page for visitors who are not signed in).
func switchLanguage(t *testing.T, tab *gatehousetest.Tab, lang string) {
	t.Helper()
	if err := chromedp.Do(tab.Ctx, chromedp.SetValue(chromedp.CSS("#lang-select"), lang)); err != nil {
		t.Fatalf("choosing %s: %v", lang, err)
	}
	tab.Submit("#langswitch button")
	if got := pageLang(t, tab); got != lang {
		t.Fatalf("after the switch to %s the page is in %q", lang, got)
	}
}

func pageLang(t *testing.T, tab *gatehousetest.Tab) string {
	t.Helper()
	got, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestBrowserSignInAndResetInGerman drives headless Chromium through sign-in
// and the forgotten-password reset in German, chosen with the sign-in page's
// switch: every heading and notice is the German of the catalog, every page
// says <html lang="de">, and the emailed link comes in a German email.
func TestBrowserSignInAndResetInGerman(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{CaptchaDifficulty: 12, Settings: map[string]string{"organization_name": "Acme Widgets"}})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	de := i18n.Default().Lang("de")
	want := func(sel, id string) {
		t.Helper()
		if got, w := strings.TrimSpace(tab.Text(sel)), de.T(id); got != w {
			t.Errorf("%s: %q, want the German %q (%s)", sel, got, w, id)
		}
		if l := pageLang(t, tab); l != "de" {
			t.Errorf("the page with %s says <html lang=%q>", id, l)
		}
	}

	tab.Go(s.URL + "/login")
	switchLanguage(t, tab, "de")
	want("h1", "login.title")
	want(`label[for="identifier"]`, "login.identifier")
	tab.Fill("#identifier", "jdoe")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	want("h1", "account.title")
	tab.Submit("nav button.link")
	want(".notice", "notice.signed_out")

	tab.Submit(`a[href="/forgot-password"]`)
	want("h1", "forgot.title")
	tab.Fill("#identifier", "jane@example.com")
	tab.Submit("button.primary")
	want("h1", "forgot_sent.title")
	want("#answer", "forgot_sent.answer")

	mail := s.SMTP.WaitFor(t, 1, 20*time.Second)[0]
	if subject, err := new(mime.WordDecoder).DecodeHeader(mail.Header.Get("Subject")); err != nil || subject != de.T("mail.reset.subject", "Org", "Acme Widgets") {
		t.Errorf("the email's subject %q is not German", subject)
	}
	for _, id := range []string{"mail.reset.open", "mail.reset.not_you"} {
		if !strings.Contains(mail.Text, de.T(id)) {
			t.Errorf("the email lacks the German %q:\n%s", de.T(id), mail.Text)
		}
	}
	tab.Go(gatehousetest.LinkIn(mail))
	want("h1", "reset.title")
	tab.Fill("#new_password", "password")
	tab.Fill("#confirm_password", "password")
	tab.Submit("button.primary")
	if e := tab.Text("#new_password-error"); !strings.HasPrefix(e, de.T("policy.cannot_use")) || !strings.Contains(e, de.T("policy.too_short", "Min", 15, "N", 8)) {
		t.Errorf("the refusal of a short password is %q, not German", e)
	}
	tab.Fill("#new_password", newPassword)
	tab.Fill("#confirm_password", newPassword)
	tab.Submit("button.primary")
	want(".notice", "notice.password_reset")
	tab.Fill("#identifier", "jdoe")
	tab.Fill("#password", newPassword)
	tab.Submit("button.primary")
	want("h1", "account.title")
}
