package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/passkey"
)

// pkDevice is a virtual authenticator holding one credential for a member.
type pkDevice struct {
	rp   virtualwebauthn.RelyingParty
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
}

func newPKDevice(s *webtest.Server, m *gatehouse.Member) *pkDevice {
	u, _ := url.Parse(s.URL)
	return &pkDevice{
		rp:   virtualwebauthn.RelyingParty{ID: u.Hostname(), Name: "Gatehouse", Origin: s.URL},
		auth: virtualwebauthn.NewAuthenticatorWithOptions(virtualwebauthn.AuthenticatorOptions{UserHandle: []byte(m.ID)}),
		cred: gatehousetest.PasskeyCredential(),
	}
}

var optionsInPage = regexp.MustCompile(`(?s)<script type="application/json" id="passkey-options">(.*?)</script>`)

// addPasskey adds d's credential on the account page, as passkey.js would.
func addPasskey(t *testing.T, b *webtest.Browser, d *pkDevice, name string) *webtest.Response {
	t.Helper()
	r := b.Submit("/account/passkeys", "/account/passkeys/new", url.Values{"name": {name}, "current_password": {goodPassword}})
	wantStatus(t, "starting to add a passkey", r, http.StatusOK, "")
	m := optionsInPage.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no options in the page\n%s", r.Body)
	}
	opts, err := virtualwebauthn.ParseAttestationOptions(m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp := virtualwebauthn.CreateAttestationResponse(d.rp, d.auth, d.cred, *opts)
	d.auth.AddCredential(d.cred)
	return b.Post("/account/passkeys/finish", url.Values{"name": {name}, "response": {resp}})
}

// passkeyAnswer asks for the options at path and answers them with d.
func passkeyAnswer(t *testing.T, b *webtest.Browser, page, path string, d *pkDevice) string {
	t.Helper()
	if r := b.Get(page); r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", page, r.Status)
	}
	r := b.Post(path, nil)
	wantStatus(t, "passkey options", r, http.StatusOK, "")
	var raw json.RawMessage
	if err := json.Unmarshal([]byte(r.Body), &raw); err != nil {
		t.Fatalf("options are not JSON: %v\n%s", err, r.Body)
	}
	opts, err := virtualwebauthn.ParseAssertionOptions(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return virtualwebauthn.CreateAssertionResponse(d.rp, d.auth, d.cred, *opts)
}

// A member adds a passkey on the account page, then uses it as the second
// factor (offered first) and to sign in alone; renames and removes it.
func TestPasskeyPages(t *testing.T) {
	webtest.Each(t, webtest.Options{Localhost: true, Settings: map[string]string{"two_factor": "required"}}, func(t *testing.T, s *webtest.Server) {
		ada := s.AddMember(t, "ada", "ada@example.com", goodPassword, gatehouse.RoleMember)
		d := newPKDevice(s, ada)
		b := s.Browser(t)
		b.SignIn("ada", goodPassword, "/login/verify")
		code := s.SMTP.WaitFor(t, 1, wait)[0]
		_, after, _ := strings.Cut(code.Text, "code is:")
		wantStatus(t, "email code", verify(b, "code", gatehousetest.CodeIn(after), false), http.StatusSeeOther, "/account")

		r := b.Submit("/account/passkeys", "/account/passkeys/new", url.Values{"current_password": {"wrong"}})
		wantStatus(t, "a wrong password", r, http.StatusUnprocessableEntity, "")
		r = addPasskey(t, b, d, "")
		wantStatus(t, "adding a passkey", r, http.StatusSeeOther, "/account/passkeys?done=added")
		list := b.Get("/account/passkeys")
		wantBody(t, "the list", list, "Passkey", "Last used")
		pks, err := s.Passkeys.List(t.Context(), ada)
		if err != nil || len(pks) != 1 {
			t.Fatalf("passkeys = %v, %v", pks, err)
		}
		wantBody(t, "the list", list, html.EscapeString(pks[0].Name))

		// Second factor: offered first, no code sent.
		b2 := s.Browser(t)
		b2.SignIn("ada", goodPassword, "/login/verify")
		wantBody(t, "the second step", b2.Get("/login/verify"), "Use a passkey", `data-passkey="second-factor"`, "Get a code by")
		d.cred.Counter = 1
		resp := passkeyAnswer(t, b2, "/login/verify", "/login/verify/passkey/options", d)
		r = b2.Post("/login/verify", url.Values{"method": {"passkey"}, "response": {resp}})
		wantStatus(t, "passkey as second factor", r, http.StatusSeeOther, "/account")
		if !signedInOK(b2) {
			t.Error("not signed in after the passkey")
		}
		// The same answer again, in another sign-in: refused.
		b3 := s.Browser(t)
		b3.SignIn("ada", goodPassword, "/login/verify")
		r = b3.Submit("/login/verify", "/login/verify", url.Values{"method": {"passkey"}, "response": {resp}})
		if r.Status == http.StatusSeeOther || signedInOK(b3) {
			t.Errorf("a replayed assertion signed in: %d %s", r.Status, r.Location)
		}

		// Alone, from the sign-in page.
		b4 := s.Browser(t)
		wantBody(t, "the sign-in page", b4.Get("/login"), "Sign in with a passkey", `autocomplete="username webauthn"`)
		d.cred.Counter = 2
		resp = passkeyAnswer(t, b4, "/login", "/login/passkey/options", d)
		r = b4.Post("/login/passkey", url.Values{"response": {resp}})
		wantStatus(t, "passkey sign-in", r, http.StatusSeeOther, "/account")
		if !signedInOK(b4) {
			t.Error("not signed in with the passkey alone")
		}
		passkeySignIns := 0
		for _, e := range s.Audit(t, gatehouse.EventSignIn) {
			if e.Details["method"] == "passkey" {
				passkeySignIns++
			}
		}
		if passkeySignIns != 1 {
			t.Errorf("sign-in events naming the passkey: %d, want 1", passkeySignIns)
		}
		// The challenge is bound to the cookie of the browser that asked.
		d.cred.Counter = 3
		asker, other := s.Browser(t), s.Browser(t)
		resp = passkeyAnswer(t, asker, "/login", "/login/passkey/options", d)
		r = other.Submit("/login", "/login/passkey", url.Values{"response": {resp}})
		if r.Status == http.StatusSeeOther || signedInOK(other) {
			t.Errorf("another browser used the challenge: %d %s", r.Status, r.Location)
		}

		id := pks[0].ID
		r = b.Submit("/account/passkeys", "/account/passkeys/"+id+"/rename", url.Values{"name": {"Laptop"}, "current_password": {goodPassword}})
		wantStatus(t, "rename", r, http.StatusSeeOther, "/account/passkeys?done=renamed")
		wantBody(t, "renamed", b.Get("/account/passkeys"), "Laptop")
		r = b.Submit("/account/passkeys", "/account/passkeys/"+id+"/remove", url.Values{"current_password": {"wrong"}})
		wantStatus(t, "remove with a wrong password", r, http.StatusUnprocessableEntity, "")
		r = b.Submit("/account/passkeys", "/account/passkeys/"+id+"/remove", url.Values{"current_password": {goodPassword}})
		wantStatus(t, "remove", r, http.StatusSeeOther, "/account/passkeys?done=removed")
		wantBody(t, "removed", b.Get("/account/passkeys"), "You have no passkey yet.")
		if n := len(s.Audit(t, passkey.EventAdded, passkey.EventRenamed, passkey.EventRemoved)); n != 3 {
			t.Errorf("passkey audit events = %d, want 3", n)
		}
	})
}

// With passkey_sign_in off there is no button, and the ceremony is refused.
func TestPasskeySignInOff(t *testing.T) {
	s := webtest.New(t, webtest.Options{Localhost: true, Settings: map[string]string{"passkey_sign_in": "off"}})
	b := s.Browser(t)
	if r := b.Get("/login"); strings.Contains(r.Body, "Sign in with a passkey") {
		t.Error("the button is shown")
	}
	r := b.Post("/login/passkey/options", nil)
	wantStatus(t, "options", r, http.StatusForbidden, "")
}
