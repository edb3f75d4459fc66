package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/internal/safehttp"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

// TestOIDCRPInitiatedLogout: end_session_endpoint with an id_token_hint signs
// the member out, returns to the registered post-logout URI with the state,
// ends the tokens of the session and tells every application of the session
// by back-channel logout (verified with go-oidc's VerifyLogout).
func TestOIDCRPInitiatedLogout(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
		rp := newRP(t, s, oidc.NewClient{FirstParty: true, PostLogoutURIs: []string{"https://crm.example/bye"}})
		wiki := newRP(t, s, oidc.NewClient{Name: "Wiki", FirstParty: true})
		b := s.Browser(t)
		f := rp.start()
		tok, id := rp.exchange(rp.signIn(b, f, "ada", pw), f)
		f2 := wiki.start()
		wikiTok, _ := wiki.exchange(wiki.code(wiki.callback(b, b.Get(f2.url)), f2), f2)
		raw, _ := tok.Extra("id_token").(string)

		q := url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {"https://crm.example/bye"}, "state": {"xyz"}}
		r := b.Get("/oidc/logout?" + q.Encode())
		if r.Status != http.StatusFound || r.Location != "https://crm.example/bye?state=xyz" {
			t.Fatalf("logout: %d to %q\n%s", r.Status, r.Location, r.Body)
		}
		if r := b.Get("/account"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login") {
			t.Errorf("still signed in to Gatehouse: %d %q", r.Status, r.Location)
		}
		if rp.userinfoOK(tok) || wiki.userinfoOK(wikiTok) {
			t.Errorf("the session's tokens survived the logout")
		}
		if n, err := s.OIDC.Logouts.Deliver(t.Context()); err != nil || n != 2 {
			t.Fatalf("DeliverLogouts: %d, %v", n, err)
		}
		sid := mustSID(t, id)
		for _, x := range []*relyingParty{rp, wiki} {
			lts := x.received()
			if len(lts) != 1 || lts[0].Subject != m.ID || lts[0].SessionID != sid {
				t.Errorf("%s: logout tokens %+v", x.client.Name, lts)
			}
		}
		if evs := s.Audit(t, oidc.EventLogout); len(evs) != 1 {
			t.Errorf("%d logout events, want 1", len(evs))
		}
	})
}

// An unregistered post_logout_redirect_uri is refused, never followed.
func TestOIDCLogoutUnregisteredRedirect(t *testing.T) {
	s, rp, _ := planServer(t)
	b := s.Browser(t)
	f := rp.start()
	tok, _ := rp.exchange(rp.signIn(b, f, "ada", pw), f)
	raw, _ := tok.Extra("id_token").(string)
	q := url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {"https://evil.example/"}}
	if r := b.Get("/oidc/logout?" + q.Encode()); r.Status != http.StatusBadRequest || r.Location != "" {
		t.Errorf("unregistered URI: %d to %q", r.Status, r.Location)
	}
	if r := b.Get("/oidc/logout?id_token_hint=forged.token.here"); r.Status != http.StatusBadRequest {
		t.Errorf("forged hint: %d", r.Status)
	}
}

// Without an id_token_hint the member is asked first (CSRF-protected form).
func TestOIDCLogoutAsksWithoutHint(t *testing.T) {
	s, rp, _ := planServer(t)
	b := s.Browser(t)
	f := rp.start()
	tok, _ := rp.exchange(rp.signIn(b, f, "ada", pw), f)
	r := b.Get("/oidc/logout")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `action="/oidc/logout/confirm"`) {
		t.Fatalf("no confirmation page: %d\n%s", r.Status, r.Body)
	}
	if !rp.userinfoOK(tok) {
		t.Fatalf("signed out before confirming")
	}
	if r := b.Post("/oidc/logout/confirm", url.Values{"csrf_token": {"forged"}}); r.Status != http.StatusForbidden {
		t.Errorf("forged confirmation: %d", r.Status)
	}
	if r := b.Post("/oidc/logout/confirm", nil); r.Status != http.StatusSeeOther || r.Location != "/login?done=signed_out" {
		t.Errorf("confirm: %d to %q", r.Status, r.Location)
	}
	if rp.userinfoOK(tok) {
		t.Errorf("the token survived the confirmed logout")
	}
}

// Signing out on Gatehouse's own page ends the session's applications too.
func TestOIDCGatehouseSignOutEndsApplications(t *testing.T) {
	s, rp, _ := planServer(t)
	b := s.Browser(t)
	f := rp.start()
	tok, _ := rp.exchange(rp.signIn(b, f, "ada", pw), f)
	b.Submit("/account", "/logout", nil)
	if rp.userinfoOK(tok) {
		t.Errorf("the token survived signing out of Gatehouse")
	}
	if n, _ := s.OIDC.Logouts.Deliver(t.Context()); n != 1 || len(rp.received()) != 1 {
		t.Errorf("delivered %d", n)
	}
}

// TestOIDCBackchannelRetries: a logout the application fails to take is
// tried again later, and stops after the last try with an audit event.
func TestOIDCBackchannelRetries(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	m := s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
	var calls atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	rp := newRP(t, s, oidc.NewClient{FirstParty: true, BackchannelLogoutURI: down.URL})
	f := rp.start()
	rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
	if err := s.SignIn.SignOutEverywhere(t.Context(), m, gatehouse.Client{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		if n, err := s.OIDC.Logouts.Deliver(t.Context()); err != nil || n != 0 {
			t.Fatalf("try %d: %d, %v", i, n, err)
		}
		if n, _ := s.OIDC.Logouts.Deliver(t.Context()); n != 0 {
			t.Fatal("delivered while waiting")
		}
		s.Clock.Advance(2 * time.Hour)
	}
	if got := calls.Load(); got != 12 {
		t.Errorf("%d tries, want 12", got)
	}
	if evs := s.Audit(t, oidc.EventLogoutFailed); len(evs) != 1 {
		t.Errorf("%d backchannel_failed events, want 1", len(evs))
	}
}

// TestOIDCEndOtherSessionsKeepsCurrentGrants: "sign out my other sessions"
// ends the applications' grants of the sessions that end, with a back-channel
// logout for those sessions only, and leaves the grants of the session kept.
func TestOIDCEndOtherSessionsKeepsCurrentGrants(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
		rp := newRP(t, s, oidc.NewClient{FirstParty: true})
		here, there := s.Browser(t), s.Browser(t)
		f := rp.start()
		keptTok, keptID := rp.exchange(rp.signIn(here, f, "ada", pw), f)
		f = rp.start()
		endedTok, endedID := rp.exchange(rp.signIn(there, f, "ada", pw), f)
		if mustSID(t, keptID) == mustSID(t, endedID) {
			t.Fatal("two browsers share a session")
		}
		if r := here.Submit("/account", "/account/sessions/end-others", nil); r.Status != http.StatusSeeOther {
			t.Fatalf("end other sessions: %d\n%s", r.Status, r.Body)
		}
		if !rp.userinfoOK(keptTok) {
			t.Errorf("the kept session's token ended with the other sessions")
		}
		if rp.userinfoOK(endedTok) {
			t.Errorf("the ended session's token survived it")
		}
		if n, err := s.OIDC.Logouts.Deliver(t.Context()); err != nil || n != 1 {
			t.Fatalf("DeliverLogouts: %d, %v; want the ended session's only", n, err)
		}
		if lts := rp.received(); len(lts) != 1 || lts[0].SessionID != mustSID(t, endedID) {
			t.Errorf("logout tokens %+v, want one for session %s", lts, mustSID(t, endedID))
		}
	})
}

// TestOIDCBackchannelPublicAddressesOnly: back-channel logouts go out through
// internal/safehttp. Without GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE a back-channel
// URI on a loopback or private address is refused at registration, naming
// the field, and a delivery that would reach one (an address registered while
// private ones were allowed) is refused when dialed and never arrives.
func TestOIDCBackchannelPublicAddressesOnly(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
	var calls atomic.Int32
	local := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	t.Cleanup(local.Close)
	rp := newRP(t, s, oidc.NewClient{FirstParty: true, BackchannelLogoutURI: local.URL + "/bc"})

	s.OIDC.Clients.AllowPrivate = false
	s.OIDC.Logouts.HTTP = safehttp.NewClient(safehttp.Options{})
	for _, uri := range []string{local.URL + "/bc", "https://127.0.0.1/bc", "https://10.1.2.3/bc", "https://localhost/bc", "http://crm.example.com/bc"} {
		_, _, err := s.OIDC.Clients.Create(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID,
			oidc.NewClient{Name: "Intranet", RedirectURIs: []string{"https://crm.example.com/cb"}, BackchannelLogoutURI: uri})
		if fs := gatehouse.ErrorFields(err); len(fs) != 1 || fs[0].Field != "backchannel_logout_uri" {
			t.Errorf("back-channel URI %s: %v, want refused naming backchannel_logout_uri", uri, err)
		}
	}
	if _, _, err := s.OIDC.Clients.Create(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID,
		oidc.NewClient{Name: "CRM", RedirectURIs: []string{"https://crm.example.com/cb"}, BackchannelLogoutURI: "https://crm.example.com/bc"}); err != nil {
		t.Errorf("a public back-channel URI: %v", err)
	}

	f := rp.start()
	rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)
	b := s.Browser(t)
	f = rp.start()
	rp.exchange(rp.signIn(b, f, "ada", pw), f)
	b.Submit("/account", "/logout", nil)
	if n, err := s.OIDC.Logouts.Deliver(t.Context()); err != nil || n != 0 {
		t.Errorf("Deliver to a loopback address: %d delivered, %v", n, err)
	}
	if got := calls.Load(); got != 0 {
		t.Errorf("the loopback address was called %d times", got)
	}
	// The logout was there, refused and kept for a retry: allowed private
	// addresses, the retry reaches the application.
	s.OIDC.Logouts.HTTP = safehttp.NewClient(safehttp.Options{AllowPrivate: true})
	s.Clock.Advance(2 * time.Minute)
	if n, err := s.OIDC.Logouts.Deliver(t.Context()); err != nil || n != 1 || calls.Load() != 1 {
		t.Errorf("the retry with private addresses allowed: %d delivered, %v, %d calls", n, err, calls.Load())
	}
}
