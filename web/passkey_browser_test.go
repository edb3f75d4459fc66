package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// virtualAuthenticator gives the tab a platform authenticator that holds
// discoverable credentials and verifies the user, through the DevTools
// WebAuthn domain.
func virtualAuthenticator(t *testing.T, tab *gatehousetest.Tab) webauthn.AuthenticatorID {
	t.Helper()
	if _, err := chromedp.Call(tab.Ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(tab.Ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return res.AuthenticatorID
}

// presence turns the authenticator's automatic answers on or off.
func presence(t *testing.T, tab *gatehousetest.Tab, id webauthn.AuthenticatorID, on bool) {
	t.Helper()
	if _, err := chromedp.Call(tab.Ctx, webauthn.SetAutomaticPresenceSimulation,
		webauthn.SetAutomaticPresenceSimulationParams{AuthenticatorID: id, Enabled: on}); err != nil {
		t.Fatalf("WebAuthn.setAutomaticPresenceSimulation: %v", err)
	}
}

// TestBrowserPasskeys drives headless Chromium with a virtual authenticator:
// a member adds a passkey on the account page, signs in with it as the second
// factor after the password, then with the passkey alone (the button, and
// autofill), and removes it.
// With GATEHOUSE_SCREENSHOTS=DIR it saves the passkey pages there.
func TestBrowserPasskeys(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{Localhost: true, Settings: map[string]string{
		"organization_name": "Acme Widgets", "two_factor": "optional", "trusted_device_days": "0"}})
	s.AddMember(t, "alice", "alice@example.com", goodPassword, gatehouse.RoleMember)
	id := virtualAuthenticator(t, tab)
	shots := os.Getenv("GATEHOUSE_SCREENSHOTS")

	signInWithPassword := func() {
		tab.Go(s.URL + "/login")
		tab.Fill("#identifier", "alice")
		tab.Fill("#password", goodPassword)
		tab.Submit("button.primary")
	}
	signInWithPassword()
	if h := tab.Text("h1"); h != "Your account" {
		t.Fatalf("after the password the heading is %q", h)
	}

	tab.Go(s.URL + "/account/passkeys")
	tab.Fill("#name", "Work laptop")
	tab.Fill("#current_password", goodPassword)
	tab.Submit("#passkey-add-start button.primary") // the ceremony page starts at once and posts its answer
	tab.Wait("#passkeys")
	if n := tab.Text("#passkeys tbody"); !strings.Contains(n, "Work laptop") {
		t.Fatalf("the list shows %q", n)
	}
	creds, err := chromedp.Call(tab.Ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
	if err != nil || len(creds.Credentials) != 1 || !creds.Credentials[0].IsResidentCredential {
		t.Fatalf("the authenticator holds %v (%v), want one discoverable credential", creds, err)
	}
	if shots != "" {
		tab.Screenshot(filepath.Join(shots, "passkeys.png"))
	}

	// Second factor: the passkey is offered first. The authenticator does not
	// answer the sign-in page's autofill request meanwhile.
	tab.Submit("nav button")
	presence(t, tab, id, false)
	signInWithPassword()
	if h := tab.Text("h1"); h != "Confirm it is you" {
		t.Fatalf("after the password the heading is %q", h)
	}
	if shots != "" {
		tab.Screenshot(filepath.Join(shots, "passkey-verify.png"))
	}
	presence(t, tab, id, true)
	tab.Submit("#passkey-start")
	if h := tab.Text("h1"); h != "Your account" {
		t.Fatalf("after the passkey as second factor the heading is %q", h)
	}

	// Alone, without the password, with the button.
	tab.Submit("nav button")
	presence(t, tab, id, false)
	tab.Go(s.URL + "/login")
	tab.Wait("#identifier")
	if shots != "" {
		tab.Screenshot(filepath.Join(shots, "passkey-signin.png"))
	}
	presence(t, tab, id, true)
	tab.Submit("#passkey-start")
	if h := tab.Text("h1"); h != "Your account" {
		t.Fatalf("after signing in with the passkey alone the heading is %q", h)
	}

	// And through autofill (conditional mediation): the authenticator answers
	// the sign-in page's request as soon as it is made.
	tab.Submit("nav button")
	tab.Go(s.URL + "/login")
	if h := tab.Text("h1"); h != "Your account" {
		t.Fatalf("autofill did not sign in: the heading is %q", h)
	}

	tab.Go(s.URL + "/account/passkeys")
	tab.Click("#passkeys details summary")
	tab.Fill("#passkeys input[id^=remove-password-]", goodPassword)
	tab.Submit("#passkeys button.danger")
	if p := tab.Text("#no-passkeys"); p != "You have no passkey yet." {
		t.Errorf("after removing, the page says %q", p)
	}
	var signIns, passkeySignIns int
	for _, e := range s.Audit(t, gatehouse.EventSignIn) {
		signIns++
		if e.Details["method"] == "passkey" {
			passkeySignIns++
		}
	}
	if signIns != 4 || passkeySignIns != 2 {
		t.Errorf("sign-ins: %d, with a passkey alone %d; want 4 and 2", signIns, passkeySignIns)
	}
}
