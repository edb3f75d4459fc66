package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
)

// TestBrowserTwoFactorSignIn drives headless Chromium through the whole
// two-factor sign-in: the password, the code read from the SMS provider, the
// account page; then, after signing out, the trusted browser signs in with the
// password alone. With GATEHOUSE_SCREENSHOTS=DIR it saves the verify page there.
func TestBrowserTwoFactorSignIn(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := newTwoFactor(t, "", required("organization_name", "Acme Widgets"))
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)

	tab.Go(s.URL + "/login")
	tab.Fill("#identifier", "alice")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Confirm it is you" {
		t.Fatalf("after the password the heading is %q", h)
	}
	if d := tab.Text("#delivery"); !strings.Contains(d, "by text message to •••• 0123") {
		t.Errorf("the page says %q", d)
	}
	if dir := os.Getenv("GATEHOUSE_SCREENSHOTS"); dir != "" {
		tab.Screenshot(filepath.Join(dir, "two-factor.png"))
	}
	_, code := s.smsCode(t, 1)
	tab.Fill("#code", wrongCode(code))
	tab.Submit("button.primary")
	if e := tab.Text("#code-error"); !strings.Contains(e, "not right") {
		t.Errorf("a wrong code: %q", e)
	}
	tab.Fill("#code", code) // "trust this browser" is ticked by default
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Your account" {
		t.Fatalf("after the code the heading is %q", h)
	}

	tab.Submit("nav button")
	tab.Wait("#identifier")
	tab.Fill("#identifier", "alice")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Your account" {
		t.Fatalf("the trusted browser was asked again: %q", h)
	}
	if n := len(s.Twilio.Messages()); n != 1 {
		t.Errorf("%d texts sent, want 1", n)
	}
	tab.Go(s.URL + "/account/devices")
	if d := tab.Text("table.list tbody"); !strings.Contains(d, "Headless Chrome") {
		t.Errorf("the devices page lists %q", d)
	}
}
