package app_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// TestCleanupOperators: the cleanup deletes operators' sessions that ended
// (idle or at their end) and activation links that expired or were used more
// than a day ago, and keeps the others.
func TestCleanupOperators(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		ctx := t.Context()
		a, desk := s.App, s.App.Desk
		sys := gatehouse.SystemActor(gatehouse.DefaultOrgID)
		token := func(link string) string {
			u, err := url.Parse(link)
			if err != nil {
				t.Fatal(err)
			}
			return u.Query().Get("token")
		}
		pending, err := desk.Add(ctx, sys, gatehouse.Client{}, "dora", "dora@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		added, err := desk.Add(ctx, sys, gatehouse.Client{}, "eve", "eve@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		e, err := desk.Activation(ctx, token(added.Link))
		if err != nil {
			t.Fatal(err)
		}
		key := strings.ReplaceAll(e.Secret, " ", "")
		code := func(offset int64) string {
			c, _ := secret.TOTPCode(key, secret.TOTPStep(s.Clock.Now())+offset)
			return c
		}
		const pw = "violet kettle orbit marsh"
		if _, err := desk.Activate(ctx, operator.ActivateRequest{Token: token(added.Link), Password: pw, Confirm: pw, Code: code(0)}); err != nil {
			t.Fatal(err)
		}
		signIn := func() string {
			t.Helper()
			_, raw, err := desk.SignIn(ctx, operator.SignInRequest{Username: "eve", Password: pw, Code: code(1)})
			if err != nil {
				t.Fatal(err)
			}
			return raw
		}
		idle := signIn()
		tokenRow := func(raw string) bool {
			t.Helper()
			_, err := s.Store.OperatorToken(ctx, secret.HashToken(raw))
			if err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		sessionRow := func(raw string) bool {
			t.Helper()
			_, err := s.Store.OperatorSession(ctx, secret.HashToken(raw))
			if err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
				t.Fatal(err)
			}
			return err == nil
		}
		cleanup := func() {
			t.Helper()
			if ran, _, err := a.Cleanup(ctx, s.Clock.Now(), time.Minute); err != nil || !ran {
				t.Fatalf("cleanup: %v %v", ran, err)
			}
		}

		// An hour later the first session has been idle past its 15 minutes;
		// one made just now lives; both links are kept (one unexpired, one
		// used less than a day ago).
		s.Clock.Advance(time.Hour)
		live := signIn()
		cleanup()
		if sessionRow(idle) {
			t.Error("a session idle past its timeout was kept")
		}
		if !sessionRow(live) {
			t.Error("a live session was deleted")
		}
		if !tokenRow(token(pending.Link)) || !tokenRow(token(added.Link)) {
			t.Error("an unexpired link, or one used an hour ago, was deleted")
		}
		if _, _, err := desk.Session(ctx, live); err != nil {
			t.Errorf("the live session after the cleanup: %v", err)
		}

		// Past the 72 hours of the pending link: it goes, as does the used one.
		s.Clock.Advance(operator.ActivationTTL)
		cleanup()
		if tokenRow(token(pending.Link)) || tokenRow(token(added.Link)) {
			t.Error("an expired link, or one used days ago, was kept")
		}
		if sessionRow(live) {
			t.Error("a session past its lifetime was kept")
		}
	})
}
