package web_test

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/captcha"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestBrowserForgotPassword drives headless Chromium through the whole
// recovery: the sign-in page's link, the forgotten-password form whose builtin
// CAPTCHA the page's own script solves (the test only clicks), the link read
// from the email the SMTP server received, the new password, and sign-in.
// With GATEHOUSE_SCREENSHOTS=DIR it saves screenshots there.
func TestBrowserForgotPassword(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{CaptchaDifficulty: 12, Settings: map[string]string{"organization_name": "Acme Widgets"}})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	shots := os.Getenv("GATEHOUSE_SCREENSHOTS")
	shot := func(name string) {
		if shots != "" {
			tab.Screenshot(filepath.Join(shots, name+".png"))
		}
	}

	tab.Go(s.URL + "/login")
	tab.Submit(`a[href="/forgot-password"]`)
	if h := tab.Text("h1"); h != "Forgot your password?" {
		t.Fatalf("heading %q", h)
	}
	shot("forgot-password")
	tab.Fill("#identifier", "jane@example.com")
	// Sent at once: the script holds the form until its check is done.
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Check your email" {
		t.Fatalf("after sending the form the heading is %q", h)
	}
	if a := tab.Text("#answer"); a != "If an account matches, we have sent an email with a link." {
		t.Errorf("answer %q", a)
	}
	shot("forgot-password-sent")
	if n := len(s.Audit(t, gatehouse.EventCaptchaFailed)); n != 0 {
		t.Errorf("%d CAPTCHA failures", n)
	}
	if n := len(s.Audit(t, gatehouse.EventResetRequested)); n != 1 {
		t.Fatalf("%d reset requests passed the CAPTCHA", n)
	}

	mail := s.SMTP.WaitFor(t, 1, 20*time.Second)[0]
	tab.Go(gatehousetest.LinkIn(mail))
	if h := tab.Text("h1"); h != "Choose a new password" {
		t.Fatalf("reset page heading %q", h)
	}
	shot("reset-password")
	tab.Fill("#new_password", "password")
	tab.Fill("#confirm_password", "password")
	tab.Submit("button.primary")
	if e := tab.Text("#new_password-error"); !strings.Contains(e, "at least 15 characters") {
		t.Errorf("refusal %q", e)
	}
	tab.Fill("#new_password", newPassword)
	tab.Fill("#confirm_password", newPassword)
	tab.Submit("button.primary")
	if n := tab.Text(".notice"); n != "Your password has been changed. Sign in with your new password." {
		t.Errorf("notice %q", n)
	}
	tab.Fill("#identifier", "jdoe")
	tab.Fill("#password", newPassword)
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Your account" {
		t.Errorf("signing in with the new password: %q", h)
	}
}

// TestBrowserCaptchaScript checks the page's proof-of-work script itself: the
// status it announces, the answer it puts in the form, and its fallback
// SHA-256 (for pages without Web Crypto) against a known digest and against
// the server's check.
func TestBrowserCaptchaScript(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{CaptchaDifficulty: 10})
	tab.Go(s.URL + "/forgot-password")
	tab.Wait("#captcha-status.done")
	if st := tab.Text("#captcha-status"); st != "Check complete. You can send the form." {
		t.Errorf("status %q", st)
	}
	ch, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`document.querySelector("[name=captcha_challenge]").value`))
	if err != nil {
		t.Fatal(err)
	}
	sol, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`document.querySelector("[name=captcha_solution]").value`))
	if err != nil || !captcha.Solves(ch, sol, 10) {
		t.Errorf("the page's answer %q does not solve %q (%v)", sol, ch, err)
	}
	abc, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[[]int](`Array.from(window.gatehouseCaptcha.sha256("abc"))`))
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for _, b := range abc {
		got = append(got, byte(b))
	}
	if hex.EncodeToString(got) != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("fallback SHA-256 of abc = %x", got)
	}
	long, _ := chromedp.Run(tab.Ctx, chromedp.Evaluate[[]int](`Array.from(window.gatehouseCaptcha.sha256("a".repeat(1000)))`))
	var gotLong []byte
	for _, b := range long {
		gotLong = append(gotLong, byte(b))
	}
	if hex.EncodeToString(gotLong) != "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3" {
		t.Errorf("fallback SHA-256 of 1000 a's = %x", gotLong)
	}
	n, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[int](`window.gatehouseCaptcha.searchPlain(0)`, chromedp.EvalAwaitPromise))
	if err != nil || !captcha.Solves(ch, fmt.Sprint(n), 10) {
		t.Errorf("the fallback's answer %d does not solve the challenge (%v)", n, err)
	}
}
