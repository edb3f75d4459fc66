package web_test

import (
	"slices"
	"testing"
	"time"

	goidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"golang.org/x/oauth2"
)

// TestOIDCCodeFlow drives the whole authorization code flow with go-oidc:
// discovery, code + PKCE, ID token verified with the published keys, the
// claims, userinfo, single sign-on for a second application.
func TestOIDCCodeFlow(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "ada", "ada@example.com", "correct horse battery", gatehouse.RoleAdministrator)
		rp := newRP(t, s, oidc.NewClient{FirstParty: true})
		b := s.Browser(t)
		f := rp.start()
		tok, id := rp.exchange(rp.signIn(b, f, "ada", "correct horse battery"), f)
		if id.Subject != m.ID || id.Issuer != s.URL || !slices.Equal(id.Audience, []string{rp.client.ID}) {
			t.Errorf("ID token sub %q iss %q aud %v", id.Subject, id.Issuer, id.Audience)
		}
		var c struct {
			Email     string   `json:"email"`
			Verified  *bool    `json:"email_verified"`
			Name      string   `json:"name"`
			Username  string   `json:"preferred_username"`
			Groups    []string `json:"groups"`
			AMR       []string `json:"amr"`
			AuthTime  int64    `json:"auth_time"`
			SessionID string   `json:"sid"`
		}
		if err := id.Claims(&c); err != nil {
			t.Fatal(err)
		}
		if c.Email != "ada@example.com" || c.Verified == nil || c.Name != "Test ada" || c.Username != "ada" ||
			!slices.Equal(c.Groups, []string{"administrator"}) || !slices.Equal(c.AMR, []string{"pwd"}) ||
			c.AuthTime != s.Clock.Now().Unix() || c.SessionID == "" {
			t.Errorf("claims %+v", c)
		}
		if tok.RefreshToken != "" {
			t.Errorf("a refresh token without offline_access")
		}
		if exp := time.Until(tok.Expiry); exp > 11*time.Minute || exp < 9*time.Minute {
			t.Errorf("access token lives %v, want 10 minutes", exp)
		}
		ui, err := rp.provider.UserInfo(rp.ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		if ui.Subject != m.ID || ui.Email != "ada@example.com" {
			t.Errorf("userinfo %+v", ui)
		}

		// Single sign-on: a second application gets a code at once.
		rp2 := newRP(t, s, oidc.NewClient{Name: "Wiki", FirstParty: true})
		f2 := rp2.start()
		r := b.Get(f2.url)
		_, id2 := rp2.exchange(rp2.code(rp2.callback(b, r), f2), f2)
		if id2.Subject != m.ID {
			t.Errorf("SSO subject %q", id2.Subject)
		}
		if evs := s.Audit(t, oidc.EventTokenIssued); len(evs) != 2 {
			t.Errorf("%d token_issued events, want 2", len(evs))
		}
	})
}

// TestOIDCClientSecretPost authenticates the client with client_secret_post.
func TestOIDCClientSecretPost(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "ada", "ada@example.com", "correct horse battery", gatehouse.RoleMember)
	rp := newRP(t, s, oidc.NewClient{FirstParty: true})
	rp.conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	f := rp.start()
	rp.exchange(rp.signIn(s.Browser(t), f, "ada", "correct horse battery"), f)

	// A wrong secret is invalid_client.
	rp.conf.ClientSecret = "wrong"
	f = rp.start()
	_, err := rp.conf.Exchange(rp.ctx, rp.signIn(s.Browser(t), f, "ada", "correct horse battery"), oauth2.VerifierOption(f.verifier))
	if got := oauthErr(err); got != "invalid_client" {
		t.Errorf("wrong secret: %q, want invalid_client", got)
	}
}

// TestOIDCPublicClient: a public client has no secret and must use PKCE.
func TestOIDCPublicClient(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "ada", "ada@example.com", "correct horse battery", gatehouse.RoleMember)
	rp := newRP(t, s, oidc.NewClient{FirstParty: true, Public: true})
	if rp.secret != "" {
		t.Fatalf("a public client got a secret")
	}
	rp.conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	f := rp.start()
	rp.exchange(rp.signIn(s.Browser(t), f, "ada", "correct horse battery"), f)

	// Without a code_challenge the request goes back with invalid_request.
	b := s.Browser(t)
	r := b.Get(rp.conf.AuthCodeURL("st"))
	q := rp.callbackQuery(r)
	if q.Get("error") != "invalid_request" || q.Get("state") != "st" {
		t.Errorf("public client without PKCE: %v", q)
	}
}

// TestOIDCDiscovery checks the metadata applications read.
func TestOIDCDiscovery(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	p, err := goidc.NewProvider(t.Context(), s.URL)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Issuer     string   `json:"issuer"`
		EndSession string   `json:"end_session_endpoint"`
		Revocation string   `json:"revocation_endpoint"`
		Methods    []string `json:"code_challenge_methods_supported"`
		Responses  []string `json:"response_types_supported"`
		Auth       []string `json:"token_endpoint_auth_methods_supported"`
		Backchan   bool     `json:"backchannel_logout_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	if meta.Issuer != s.URL || meta.EndSession != s.URL+"/oidc/logout" || meta.Revocation != s.URL+"/oidc/revoke" ||
		!slices.Equal(meta.Methods, []string{"S256"}) || !slices.Equal(meta.Responses, []string{"code"}) ||
		!slices.Contains(meta.Auth, "client_secret_basic") || !slices.Contains(meta.Auth, "client_secret_post") || !meta.Backchan {
		t.Errorf("metadata %+v", meta)
	}
	r := s.Browser(t).Get("/oidc/jwks")
	if r.Status != 200 || !containsAll(r.Body, `"kty": "RSA"`, `"alg": "RS256"`, `"use": "sig"`) || containsAll(r.Body, `"d":`) {
		t.Errorf("jwks: %d\n%s", r.Status, r.Body)
	}
}
