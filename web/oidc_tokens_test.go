package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"golang.org/x/oauth2"
)

// refresh exchanges a refresh token through x/oauth2.
func (rp *relyingParty) refresh(rt string) (*oauth2.Token, error) {
	return rp.conf.TokenSource(rp.ctx, &oauth2.Token{RefreshToken: rt}).Token()
}

// revoke posts to the revocation endpoint with client_secret_basic.
func (rp *relyingParty) revoke(token string) int {
	rp.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, rp.s.URL+"/oidc/revoke", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(rp.client.ID), url.QueryEscape(rp.secret))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		rp.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func (rp *relyingParty) userinfoOK(tok *oauth2.Token) bool {
	_, err := rp.provider.UserInfo(rp.ctx, oauth2.StaticTokenSource(tok))
	return err == nil
}

// TestOIDCRefreshRotation: offline_access gives a refresh token that rotates
// on every use; using an old one again ends the whole family.
func TestOIDCRefreshRotation(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
		rp := newRP(t, s, oidc.NewClient{FirstParty: true})
		rp.conf.Scopes = append(rp.conf.Scopes, "offline_access")
		f := rp.start()
		tok, _ := rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token with offline_access")
		}
		next, err := rp.refresh(tok.RefreshToken)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken || next.AccessToken == tok.AccessToken {
			t.Fatalf("the refresh token did not rotate")
		}
		if raw, _ := next.Extra("id_token").(string); raw == "" {
			t.Errorf("no ID token on refresh")
		} else if _, err := rp.verifier.Verify(rp.ctx, raw); err != nil {
			t.Errorf("refreshed ID token: %v", err)
		}
		if !rp.userinfoOK(next) {
			t.Fatalf("the new access token does not work")
		}
		// Reuse of the first refresh token: refused, and the family ends.
		if _, err := rp.refresh(tok.RefreshToken); oauthErr(err) != "invalid_grant" {
			t.Fatalf("reuse: %v, want invalid_grant", err)
		}
		if rp.userinfoOK(next) {
			t.Errorf("the family's access token survived the reuse")
		}
		if _, err := rp.refresh(next.RefreshToken); oauthErr(err) != "invalid_grant" {
			t.Errorf("the family's newest refresh token survived the reuse: %v", err)
		}
		if evs := s.Audit(t, oidc.EventRefreshReused); len(evs) != 1 {
			t.Errorf("%d refresh_reused events, want 1", len(evs))
		}
	})
}

// TestOIDCRevocation (RFC 7009): a revoked refresh token ends its grant; a
// revoked access token ends itself; unknown tokens answer 200.
func TestOIDCRevocation(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
	rp := newRP(t, s, oidc.NewClient{FirstParty: true, Offline: true})
	f := rp.start()
	tok, _ := rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token for an offline client")
	}
	if st := rp.revoke(tok.AccessToken); st != http.StatusOK {
		t.Fatalf("revoke access token: %d", st)
	}
	if rp.userinfoOK(tok) {
		t.Errorf("a revoked access token works")
	}
	next, err := rp.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("the refresh token ended with the access token: %v", err)
	}
	if st := rp.revoke(next.RefreshToken); st != http.StatusOK {
		t.Fatalf("revoke refresh token: %d", st)
	}
	if rp.userinfoOK(next) {
		t.Errorf("the grant's access token survived its refresh token's revocation")
	}
	if st := rp.revoke("unknown"); st != http.StatusOK {
		t.Errorf("unknown token: %d", st)
	}
	// Another client cannot revoke this one's tokens.
	f = rp.start()
	tok, _ = rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
	other := newRP(t, s, oidc.NewClient{Name: "Other", FirstParty: true})
	other.revoke(tok.AccessToken)
	if !rp.userinfoOK(tok) {
		t.Errorf("another client revoked the token")
	}
	rp.secret = "wrong"
	if st := rp.revoke(tok.AccessToken); st != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d, want 401", st)
	}
}

// TestOIDCTokensEndWithSessions: a password reset by an administrator,
// disabling, and "sign out everywhere" end every token of the member, and
// the applications hear of it by back-channel logout.
func TestOIDCTokensEndWithSessions(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(t *testing.T, s *webtest.Server, m *gatehouse.Member)
	}{
		{"admin password", func(t *testing.T, s *webtest.Server, m *gatehouse.Member) {
			if err := s.Admin.SetMemberPassword(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, m.ID, "another fine password 9", false); err != nil {
				t.Fatal(err)
			}
		}},
		{"disabled", func(t *testing.T, s *webtest.Server, m *gatehouse.Member) {
			if _, err := s.Admin.SetMemberState(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, m.ID, false); err != nil {
				t.Fatal(err)
			}
		}},
		{"sign out everywhere", func(t *testing.T, s *webtest.Server, m *gatehouse.Member) {
			if err := s.SignIn.SignOutEverywhere(t.Context(), m, gatehouse.Client{}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := webtest.New(t, webtest.Options{})
			m := s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
			rp := newRP(t, s, oidc.NewClient{FirstParty: true, Offline: true})
			f := rp.start()
			tok, id := rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
			tc.end(t, s, m)
			if rp.userinfoOK(tok) {
				t.Errorf("the access token survived")
			}
			if _, err := rp.refresh(tok.RefreshToken); oauthErr(err) != "invalid_grant" {
				t.Errorf("the refresh token survived: %v", err)
			}
			if n, err := s.OIDC.Logouts.Deliver(t.Context()); err != nil || n != 1 {
				t.Fatalf("DeliverLogouts: %d, %v", n, err)
			}
			lts := rp.received()
			if len(lts) != 1 || lts[0].Subject != m.ID || lts[0].SessionID != mustSID(t, id) {
				t.Errorf("logout tokens %+v", lts)
			}
		})
	}
}
