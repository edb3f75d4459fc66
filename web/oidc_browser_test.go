package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	goidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"golang.org/x/oauth2"
)

// TestBrowserOIDCTwoFactor: a tiny relying-party web application, started by
// the test on go-oidc and x/oauth2, signs a member in through Gatehouse with
// two-factor in headless Chromium: the application's sign-in link, the
// Gatehouse password page, the code by SMS, the consent page, and back to the
// application, which verifies the ID token and shows who signed in and how.
// With GATEHOUSE_SCREENSHOTS=DIR it saves the consent page there.
func TestBrowserOIDCTwoFactor(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := newTwoFactor(t, "", required("organization_name", "Acme Widgets"))
	s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)

	// The application.
	var (
		mu      sync.Mutex
		pending = map[string][2]string{} // state -> PKCE verifier, nonce
		conf    oauth2.Config
		ver     *goidc.IDTokenVerifier
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<!doctype html><title>CRM</title><h1>CRM</h1><a id="signin" href="/login">Sign in with Acme</a>`)
		case "/login":
			state, verifier, nonce := oauth2.GenerateVerifier(), oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
			mu.Lock()
			pending[state] = [2]string{verifier, nonce}
			mu.Unlock()
			http.Redirect(w, r, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), goidc.Nonce(nonce)), http.StatusFound)
		case "/callback":
			mu.Lock()
			p, ok := pending[r.URL.Query().Get("state")]
			delete(pending, r.URL.Query().Get("state"))
			mu.Unlock()
			if !ok {
				http.Error(w, "unknown state", http.StatusBadRequest)
				return
			}
			tok, err := conf.Exchange(r.Context(), r.URL.Query().Get("code"), oauth2.VerifierOption(p[0]))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			raw, _ := tok.Extra("id_token").(string)
			id, err := ver.Verify(r.Context(), raw)
			if err != nil || id.Nonce != p[1] {
				http.Error(w, fmt.Sprintf("ID token: %v", err), http.StatusUnauthorized)
				return
			}
			var c struct {
				Name string   `json:"name"`
				AMR  []string `json:"amr"`
			}
			_ = id.Claims(&c)
			fmt.Fprintf(w, `<!doctype html><title>CRM</title><h1 id="hello">Hello %s</h1><p id="amr">%s</p>`,
				html.EscapeString(c.Name), html.EscapeString(strings.Join(c.AMR, " ")))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(app.Close)
	cl, sec, err := s.OIDC.Clients.Create(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID,
		oidc.NewClient{Name: "CRM", RedirectURIs: []string{app.URL + "/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	provider, err := goidc.NewProvider(t.Context(), s.URL)
	if err != nil {
		t.Fatal(err)
	}
	conf = oauth2.Config{ClientID: cl.ID, ClientSecret: sec, Endpoint: provider.Endpoint(), RedirectURL: app.URL + "/callback",
		Scopes: []string{goidc.ScopeOpenID, "profile", "email"}}
	ver = provider.Verifier(&goidc.Config{ClientID: cl.ID, Now: s.Clock.Now})

	tab.Go(app.URL + "/")
	tab.Submit("#signin")
	tab.Fill("#identifier", "alice")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Confirm it is you" {
		t.Fatalf("after the password the heading is %q", h)
	}
	_, code := s.smsCode(t, 1)
	tab.Fill("#code", code)
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Allow CRM?" {
		t.Fatalf("after the code the heading is %q", h)
	}
	if dir := os.Getenv("GATEHOUSE_SCREENSHOTS"); dir != "" {
		tab.Screenshot(filepath.Join(dir, "oidc-consent.png"))
	}
	tab.Click("#consent-allow")
	if h := tab.Text("#hello"); h != "Hello Test alice" {
		t.Fatalf("the application says %q", h)
	}
	if amr := tab.Text("#amr"); amr != "pwd sms mfa" {
		t.Errorf("amr %q, want pwd sms mfa", amr)
	}

	// Signed in at Gatehouse now: the next sign-in to the application is
	// single sign-on, with no page of Gatehouse's in between.
	tab.Go(app.URL + "/")
	tab.Submit("#signin")
	if h := tab.Text("#hello"); h != "Hello Test alice" {
		t.Fatalf("single sign-on: the application says %q", h)
	}
}

// TestBrowserOIDCApplicationPages: an owner registers an application on the
// admin pages in headless Chromium and sees its page with the secret shown
// once; the list, the new application's page and a saved application's page
// pass the checks of TestBrowserEveryPage (no sideways scrolling, axe-core,
// focus, ids) in every view. With GATEHOUSE_SCREENSHOTS=DIR it saves the
// list and the new application's page there (docs/oidc.md shows them).
func TestBrowserOIDCApplicationPages(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{Settings: map[string]string{"organization_name": "Acme Widgets"}})
	s.AddMember(t, "owner", "owner@example.com", goodPassword, gatehouse.RoleOwner)
	if _, _, err := s.OIDC.Clients.Create(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID,
		oidc.NewClient{Name: "Wiki", RedirectURIs: []string{"https://wiki.example.com/oauth/callback"}, Public: true, FirstParty: true}); err != nil {
		t.Fatal(err)
	}
	tab.Go(s.URL + "/login")
	tab.Fill("#identifier", "owner")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")

	tab.Go(s.URL + "/admin/applications")
	tab.Fill("#name", "Customer relationship management")
	tab.Fill("#redirect_uris", "https://crm.example.com/auth/callback")
	tab.Fill("#post_logout_redirect_uris", "https://crm.example.com/")
	tab.Fill("#backchannel_logout_uri", "https://crm.example.com/auth/backchannel")
	tab.Submit("#create-client")
	if h := tab.Text("h1"); h != "Customer relationship management" {
		t.Fatalf("after creating, the heading is %q", h)
	}
	page := tab.Text("main")
	if !strings.Contains(page, "client_secret") && !strings.Contains(strings.ToLower(page), "secret") {
		t.Errorf("the new application's page shows no secret:\n%s", page)
	}
	dir := os.Getenv("GATEHOUSE_SCREENSHOTS")
	if dir != "" {
		tab.View(1280, 900, false)
		tab.Screenshot(filepath.Join(dir, "oidc-application-created.png"))
	}
	cls, err := s.OIDC.Clients.List(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.DefaultOrgID)
	if err != nil || len(cls) != 2 {
		t.Fatalf("clients: %d, %v", len(cls), err)
	}
	var crm *oidc.Client
	for _, c := range cls {
		if c.Name == "Customer relationship management" {
			crm = c
		}
	}
	if crm == nil || crm.BackchannelLogoutURI != "https://crm.example.com/auth/backchannel" {
		t.Fatalf("the form did not register the application: %+v", crm)
	}
	checkPage(t, tab, "oidc-applications", s.URL+"/admin/applications")
	checkPage(t, tab, "oidc-application", s.URL+"/admin/applications/"+crm.ID)
	if dir != "" {
		tab.View(1280, 900, false)
		tab.Go(s.URL + "/admin/applications")
		tab.Screenshot(filepath.Join(dir, "oidc-applications.png"))
	}
}
