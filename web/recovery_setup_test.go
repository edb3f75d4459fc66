package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

func TestSetupCreatesFirstOwner(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		link, err := s.Recovery.SetupLink(t.Context(), gatehouse.DefaultOrgID)
		if err != nil || link == "" {
			t.Fatalf("SetupLink: %q %v", link, err)
		}
		older := link
		link, _ = s.Recovery.SetupLink(t.Context(), gatehouse.DefaultOrgID)
		b := s.Browser(t)
		if r := b.Get(older); r.Status != http.StatusGone {
			t.Errorf("a superseded setup link works: %d", r.Status)
		}
		if r := b.Get(link); r.Status != http.StatusOK || !strings.Contains(r.Body, "Create the owner account") {
			t.Fatalf("setup page: %d", r.Status)
		}
		token := strings.SplitN(link, "token=", 2)[1]
		r := b.Post("/setup", url.Values{"token": {token}, "username": {"boss"}, "email": {"boss@example.com"}, "password": {"short"}, "confirm_password": {"short"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "at least 15 characters") {
			t.Fatalf("weak password: %d", r.Status)
		}
		r = b.Post("/setup", url.Values{"token": {token}, "username": {"boss"}, "name": {"The Boss"}, "email": {"boss@example.com"}, "password": {goodPassword}, "confirm_password": {goodPassword}})
		if r.Status != http.StatusSeeOther || r.Location != "/login?done=setup_done" {
			t.Fatalf("setup: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		b.SignIn("boss", goodPassword, "/account")
		if r := b.Get(link); r.Status != http.StatusGone || !strings.Contains(r.Body, "cannot be used") {
			t.Errorf("the used link: %d", r.Status)
		}
		if l, _ := s.Recovery.SetupLink(t.Context(), gatehouse.DefaultOrgID); l != "" {
			t.Error("a setup link is issued although an owner exists")
		}
		if len(s.Audit(t, gatehouse.EventSetupCompleted)) != 1 {
			t.Error("setup not audited")
		}
	})
}

func TestSetupLinkExpires(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	link, _ := s.Recovery.SetupLink(t.Context(), gatehouse.DefaultOrgID)
	s.Clock.Advance(61 * time.Minute)
	if r := s.Browser(t).Get(link); r.Status != http.StatusGone {
		t.Errorf("expired setup link: %d", r.Status)
	}
}
