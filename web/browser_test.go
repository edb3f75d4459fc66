package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestBrowserSignInAndChangePassword drives a real headless Chromium through
// sign-in, a refused and an accepted password change, and sign-out. With
// GATEHOUSE_SCREENSHOTS=DIR it also saves screenshots of the pages there.
func TestBrowserSignInAndChangePassword(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"organization_name": "Acme Widgets"}})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	shots := os.Getenv("GATEHOUSE_SCREENSHOTS")
	shot := func(name string) {
		if shots != "" {
			tab.Screenshot(filepath.Join(shots, name+".png"))
		}
	}
	const next = "granite meadow lantern fjord"

	tab.Go(s.URL + "/login")
	shot("login")
	tab.Fill("#identifier", "jdoe")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Your account" {
		t.Fatalf("after sign-in the heading is %q", h)
	}
	shot("account")

	tab.Go(s.URL + "/account/password")
	tab.Fill("#current_password", goodPassword)
	tab.Fill("#new_password", "password")
	tab.Fill("#confirm_password", "password")
	tab.Submit("button.primary")
	refused := tab.Text("#new_password-error")
	if !strings.Contains(refused, "at least 15 characters") || !strings.Contains(refused, "common") {
		t.Errorf("refusal message: %q", refused)
	}
	shot("password-refused")
	tab.Fill("#current_password", goodPassword)
	tab.Fill("#new_password", next)
	tab.Fill("#confirm_password", next)
	tab.Submit("button.primary")
	if n := tab.Text(".notice"); n != "Your password has been changed." {
		t.Errorf("notice %q", n)
	}
	tab.Submit("nav button")
	tab.Wait("#identifier")
	if n := tab.Text(".notice"); n != "You have signed out." {
		t.Errorf("after sign-out: %q", n)
	}
	tab.Fill("#identifier", "jdoe")
	tab.Fill("#password", next)
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Your account" {
		t.Errorf("signing in with the new password: %q", h)
	}
}
