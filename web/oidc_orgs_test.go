package web_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"golang.org/x/oauth2"
)

// anyHostClient reaches the test server whatever host a URL names, as DNS
// would send acme.localhost to loopback: the HTTP client of the applications.
func anyHostClient(s *webtest.Server) *http.Client {
	d := &net.Dialer{}
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, s.Addr())
	}}}
}

// TestOIDCOrganizationIssuers: each organization is its own issuer at its
// own URL, driven with go-oidc on two organizations of one server: discovery,
// keys, the code flow, userinfo and back-channel logout answer per
// organization on its host; an application belongs to its organization; and
// the tokens of one organization are refused by the other. The key rotation
// covers both.
func TestOIDCOrganizationIssuers(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		_, acme, acmeURL := withOrgs(t, s, false)
		hc := anyHostClient(s)
		acmeRP := newRPIn(t, s, acme.ID, acmeURL, hc, oidc.NewClient{Name: "Acme CRM", FirstParty: true})
		acmeRP.conf.Scopes = append(acmeRP.conf.Scopes, "offline_access")
		homeRP := newRPIn(t, s, gatehouse.DefaultOrgID, s.URL, hc, oidc.NewClient{Name: "Home CRM", FirstParty: true})

		// Discovery on each host names that organization's endpoints.
		var meta struct {
			Issuer string `json:"issuer"`
			Token  string `json:"token_endpoint"`
			JWKS   string `json:"jwks_uri"`
		}
		if err := acmeRP.provider.Claims(&meta); err != nil || meta.Issuer != acmeURL || meta.Token != acmeURL+"/oidc/token" || meta.JWKS != acmeURL+"/oidc/jwks" {
			t.Errorf("acme's discovery: %+v, %v", meta, err)
		}
		if err := homeRP.provider.Claims(&meta); err != nil || meta.Issuer != s.URL {
			t.Errorf("the default organization's discovery: %+v, %v", meta, err)
		}
		acmeKeys, homeKeys := jwksKids(t, hc, acmeURL), jwksKids(t, hc, s.URL)
		if len(acmeKeys) != 1 || len(homeKeys) != 1 || acmeKeys[0] == homeKeys[0] {
			t.Errorf("keys: acme %v, default %v; want one each, not shared", acmeKeys, homeKeys)
		}

		// The code flow on acme's host, for acme's member.
		b := hostBrowser(t, s)
		f := acmeRP.start()
		tok, id := acmeRP.exchange(acmeRP.signIn(b, f, "ops", "violet kettle orbit marsh"), f)
		if id.Issuer != acmeURL {
			t.Errorf("acme's ID token is issued by %q", id.Issuer)
		}
		ui, err := acmeRP.provider.UserInfo(acmeRP.ctx, oauth2.StaticTokenSource(tok))
		if err != nil || ui.Subject != id.Subject {
			t.Errorf("acme's userinfo: %+v, %v", ui, err)
		}
		// The default organization's verifier refuses acme's ID token.
		raw, _ := tok.Extra("id_token").(string)
		if _, err := homeRP.verifier.Verify(homeRP.ctx, raw); err == nil {
			t.Errorf("the default organization's verifier took acme's ID token")
		}

		// Acme's application is unknown on the default host.
		q := url.Values{"client_id": {acmeRP.client.ID}, "redirect_uri": {acmeRP.conf.RedirectURL}, "response_type": {"code"}, "scope": {"openid"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
		if r := b.Get(s.URL + "/oidc/authorize?" + q.Encode()); r.Status != http.StatusBadRequest || r.Location != "" {
			t.Errorf("acme's client on the default host: %d to %q", r.Status, r.Location)
		}
		// Acme's access token is refused by the default organization's userinfo.
		if st := bearerStatus(t, hc, s.URL+"/oidc/userinfo", tok.AccessToken); st != http.StatusUnauthorized {
			t.Errorf("acme's access token at the default organization's userinfo: %d, want 401", st)
		}
		// Its refresh token cannot be used there, whoever's credentials come with it.
		for _, who := range []*relyingParty{acmeRP, homeRP} {
			conf := who.conf
			conf.Endpoint = homeRP.provider.Endpoint()
			conf.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
			_, err := conf.TokenSource(homeRP.ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
			if got := oauthErr(err); got != "invalid_client" && got != "invalid_grant" {
				t.Errorf("acme's refresh token at the default organization with %s's credentials: %q", who.client.Name, got)
			}
		}
		// Its ID token is no logout hint for the default organization.
		if r := b.Get(s.URL + "/oidc/logout?" + url.Values{"id_token_hint": {raw}}.Encode()); r.Status != http.StatusBadRequest {
			t.Errorf("acme's id_token_hint at the default organization: %d", r.Status)
		}
		// And still works at acme's.
		if st := bearerStatus(t, hc, acmeURL+"/oidc/userinfo", tok.AccessToken); st != http.StatusOK {
			t.Errorf("acme's access token at acme's userinfo: %d", st)
		}

		// Signing out on acme's host tells acme's application, with a logout
		// token issued by acme (go-oidc's VerifyLogout checks it).
		b.Submit(acmeURL+"/account", acmeURL+"/logout", nil)
		if n, err := s.OIDC.Logouts.Deliver(t.Context()); err != nil || n != 1 {
			t.Fatalf("Deliver: %d, %v", n, err)
		}
		if lts := acmeRP.received(); len(lts) != 1 || lts[0].Issuer != acmeURL {
			t.Errorf("acme's logout tokens: %+v", lts)
		}

		// The rotation job gives each organization a new key.
		s.Clock.Advance(31 * 24 * time.Hour)
		if err := s.OIDC.Keys.RotateAll(t.Context()); err != nil {
			t.Fatal(err)
		}
		for _, o := range []struct{ base, old string }{{acmeURL, acmeKeys[0]}, {s.URL, homeKeys[0]}} {
			kids := jwksKids(t, hc, o.base)
			if len(kids) != 2 || kids[0] == o.old || kids[1] != o.old {
				t.Errorf("keys of %s after rotation: %v, want a new one and %s", o.base, kids, o.old)
			}
		}
		evs, _, err := s.Store.AuditEvents(t.Context(), acme.ID, gatehouse.AuditFilter{Types: []gatehouse.EventType{oidc.EventKeyRotated}, Limit: 10})
		if err != nil || len(evs) != 1 {
			t.Errorf("%d key_rotated events in acme, want 1", len(evs))
		}
	})
}

// jwksKids returns the key ids published at base, newest first.
func jwksKids(t *testing.T, hc *http.Client, base string) []string {
	t.Helper()
	res, err := hc.Get(base + "/oidc/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(res.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KID)
	}
	return out
}

// bearerStatus is the status of a GET of u with the bearer token.
func bearerStatus(t *testing.T, hc *http.Client, u, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("%s answered %s", u, res.Header.Get("Content-Type"))
	}
	return res.StatusCode
}

// TestOIDCAccessTokenLifetimeSetting: oidc_access_token_ttl sets how long the
// organization's access tokens work; 0s leaves the installation's default
// (10 minutes here); a value under a minute or over an hour is refused,
// naming the setting.
func TestOIDCAccessTokenLifetimeSetting(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
	key := newAPIKey(t, s, "ops", gatehouse.RoleAdministrator)
	rp := newRP(t, s, oidc.NewClient{FirstParty: true})
	patch := func(body string) *webtest.Response {
		r, _ := http.NewRequest(http.MethodPatch, s.URL+"/api/v1/settings", strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+key)
		r.Header.Set("Content-Type", "application/json")
		return s.Do(t, r)
	}
	for _, bad := range []string{"30s", "2h", "soon"} {
		resp := patch(`{"oidc_access_token_ttl": "` + bad + `"}`)
		var p struct {
			Errors []gatehouse.FieldError `json:"errors"`
		}
		decodeJSONBody(t, resp, &p)
		if resp.Status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "oidc_access_token_ttl" {
			t.Errorf("oidc_access_token_ttl %q: %d %+v, want 422 naming the setting", bad, resp.Status, p.Errors)
		}
	}

	f := rp.start()
	tok, _ := rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
	if got := time.Duration(tok.ExpiresIn) * time.Second; got != 10*time.Minute {
		t.Errorf("default lifetime %v, want the installation's 10m", got)
	}
	if resp := patch(`{"oidc_access_token_ttl": "3m"}`); resp.Status != http.StatusOK {
		t.Fatalf("setting 3m: %d %s", resp.Status, resp.Body)
	}
	f = rp.start()
	tok, _ = rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
	if got := time.Duration(tok.ExpiresIn) * time.Second; got != 3*time.Minute {
		t.Errorf("lifetime %v, want the organization's 3m", got)
	}
	s.Clock.Advance(2 * time.Minute)
	if !rp.userinfoOK(tok) {
		t.Errorf("the token ended before its 3 minutes")
	}
	s.Clock.Advance(90 * time.Second)
	if rp.userinfoOK(tok) {
		t.Errorf("the token still works after its 3 minutes")
	}
}
