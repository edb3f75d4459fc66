package web_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestBrowserStrengthHintNeverContradictsThePolicy types passwords the server
// refuses although they are long and varied (a breached one, the member's own
// name): the hint must not call them strong, and the server then refuses them.
func TestBrowserStrengthHintNeverContradictsThePolicy(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"organization_name": "Acme Widgets"}})
	m := s.AddMember(t, "jdoe", "jdoe@example.com", goodPassword, gatehouse.RoleMember)
	m.DisplayName = "Johnathan Doe-Whitfield"
	s.Overwrite(t, m)
	tab.Go(s.URL + "/login")
	tab.Fill("#identifier", "jdoe")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	for _, pw := range []string{"qwertyuiopasdfghjkl", "Johnathan Doe-Whitfield 2026", "acme widgets forever!"} {
		tab.Go(s.URL + "/account/password")
		tab.Fill("#current_password", goodPassword)
		tab.Fill("#new_password", pw)
		hint := tab.Text("#new_password-meter")
		if strings.Contains(strings.ToLower(hint), "strong") || !strings.Contains(hint, "When you save") {
			t.Errorf("for %q the hint says %q", pw, hint)
		}
		tab.Fill("#confirm_password", pw)
		tab.Submit("button.primary")
		if e := tab.Text("#new_password-error"); e == "" {
			t.Errorf("the server took %q", pw)
		}
	}
	tab.Go(s.URL + "/account/password")
	tab.Fill("#new_password", "short")
	if hint := tab.Text("#new_password-meter"); !strings.HasPrefix(hint, "Too short: 5 of at least") {
		t.Errorf("for a short password the hint says %q", hint)
	}
}

// TestBrowserResendCountsDown: right after a code is sent, the resend buttons
// are disabled and the seconds left count down on the page.
func TestBrowserResendCountsDown(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := newTwoFactor(t, "", required("organization_name", "Acme Widgets"))
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
	tab.Go(s.URL + "/login")
	tab.Fill("#identifier", "alice")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	secs := func() int {
		n, err := strconv.Atoi(tab.Text("#resend-wait .seconds"))
		if err != nil {
			t.Fatalf("the countdown: %v", err)
		}
		return n
	}
	first := secs()
	disabled, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll("form.resend button")].every(b => b.disabled)`))
	if err != nil || !disabled {
		t.Errorf("the resend buttons are usable during the cooldown (%v)", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for secs() >= first {
		if time.Now().After(deadline) {
			t.Fatalf("the countdown stays at %d", first)
		}
		time.Sleep(200 * time.Millisecond)
	}
	checkPage(t, tab, "verify", s.URL+"/login/verify")
}
