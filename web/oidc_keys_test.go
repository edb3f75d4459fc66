package web_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	goidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

func publishedKIDs(t *testing.T, s *webtest.Server) []string {
	t.Helper()
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(s.Browser(t).Get("/oidc/jwks").Body), &set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KID)
	}
	return out
}

// TestOIDCKeyRotation: the periodic job replaces the signing key when it is
// due, keeps the previous key published until the tokens it signed have
// expired, and then drops it; applications verify tokens of both through
// go-oidc. The private keys are stored sealed.
func TestOIDCKeyRotation(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
		rp := newRP(t, s, oidc.NewClient{FirstParty: true})
		b := s.Browser(t)
		f := rp.start()
		tok, _ := rp.exchange(rp.signIn(b, f, "ada", pw), f)
		old := publishedKIDs(t, s)
		if len(old) != 1 {
			t.Fatalf("keys %v, want one", old)
		}
		if err := s.OIDC.Keys.RotateAll(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := publishedKIDs(t, s); len(got) != 1 {
			t.Fatalf("rotated before it was due: %v", got)
		}
		s.Clock.Advance(oidc.DefaultKeyRotation)
		if err := s.OIDC.Keys.RotateAll(t.Context()); err != nil {
			t.Fatal(err)
		}
		both := publishedKIDs(t, s)
		if len(both) != 2 || both[1] != old[0] {
			t.Fatalf("after rotation %v, want the new key then %s", both, old[0])
		}
		// The old token still verifies against the published keys (its
		// expiry aside: the clock moved a month).
		lenient := rp.provider.Verifier(&goidc.Config{ClientID: rp.client.ID, SkipExpiryCheck: true})
		if _, err := lenient.Verify(rp.ctx, tok.Extra("id_token").(string)); err != nil {
			t.Errorf("the old key's token: %v", err)
		}
		// New tokens are signed with the new key, which go-oidc fetches.
		f = rp.start(oauthPrompt("login"))
		tok2, _ := rp.exchange(rp.signIn(b, f, "ada", pw), f)
		if h := jwtHeader(t, tok2.Extra("id_token").(string)); h.KID != both[0] {
			t.Errorf("signed with %s, want the new key %s", h.KID, both[0])
		}
		s.Clock.Advance(oidc.DefaultIDTokenTTL + 10*time.Minute)
		if err := s.OIDC.Keys.RotateAll(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := publishedKIDs(t, s); len(got) != 1 || got[0] != both[0] {
			t.Errorf("after the old key's tokens expired: %v, want only %s", got, both[0])
		}
		keys, err := s.Store.OIDCKeys(t.Context(), gatehouse.DefaultOrgID)
		if err != nil || len(keys) != 1 || !strings.HasPrefix(keys[0].Private, "v1:") || strings.Contains(keys[0].Private, "PRIVATE") {
			t.Errorf("stored keys %v, %v", keys, err)
		}
		if evs := s.Audit(t, oidc.EventKeyRotated); len(evs) != 1 {
			t.Errorf("%d key_rotated events, want 1", len(evs))
		}
	})
}
