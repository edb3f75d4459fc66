package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestBrowserSecondFactorSetup: a member whom an administrator asked to set
// up a second factor (and an administrator without one that counts) is led
// from the password straight to /login/setup in Chromium; the page offers
// the ways to set one up, reaches nothing else, and passes the walk's checks
// at desktop and phone widths in light and dark mode (no sideways scrolling,
// no axe-core violation). With GATEHOUSE_SCREENSHOTS it saves
// pages/login-setup-*.png, which docs/two-factor.md shows.
func TestBrowserSecondFactorSetup(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"organization_name": "Acme Widgets International"}})
	m := s.AddMember(t, longUser, longEmail, goodPassword, gatehouse.RoleMember)
	m.MustSetUpSecondFactor = true
	s.Overwrite(t, m)

	tab.Go(s.URL + "/login")
	tab.Fill("#identifier", longUser)
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	path := pathname(t, tab)
	if path != "/login/setup" {
		t.Fatalf("after the password the browser is on %q, want /login/setup", path)
	}
	if h := tab.Text("h1"); h == "" {
		t.Error("the setup page has no heading")
	}
	if body := tab.Text("main"); !strings.Contains(body, "asks you to set up a second factor") {
		t.Errorf("the setup page does not say why:\n%s", body)
	}
	checkPage(t, tab, "login-setup", s.URL+"/login/setup")

	// Nothing else is reachable before the setup.
	tab.Go(s.URL + "/account")
	if path := pathname(t, tab); path == "/account" {
		t.Error("the account page is reachable before the second factor is set up")
	}
}

// pathname is the path of the tab's page.
func pathname(t *testing.T, tab *gatehousetest.Tab) string {
	t.Helper()
	p, err := chromedp.Run(tab.Ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
