package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestSuspendedOrgLinks: while an organization is suspended, its activation
// and reset links, its forgotten-password form and its OpenID Connect
// endpoints answer 403 saying so (a page for browsers, problem details for
// applications), never a 500; nothing is deleted, so once it is resumed an
// activation link sent before works.
func TestSuspendedOrgLinks(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		orgs, acme, acmeURL := withOrgs(t, s, false)
		b := hostBrowser(t, s)
		_, link, err := s.Admin.CreateMember(t.Context(), gatehouse.SystemActor(acme.ID), gatehouse.Client{}, gatehouse.NewMember{
			OrgID: acme.ID, Username: "newbie", Email: "newbie@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if r := b.Get(link); r.Status != http.StatusOK {
			t.Fatalf("the activation link before suspending: %d", r.Status)
		}
		b.Get(acmeURL + "/forgot-password") // the anti-forgery token of its form
		sys := gatehouse.SystemActor(gatehouse.DefaultOrgID)
		if _, err := orgs.Suspend(t.Context(), sys, gatehouse.Client{}, "acme", "unpaid"); err != nil {
			t.Fatal(err)
		}
		eventually(t, func() bool { return b.Get(link).Status == http.StatusForbidden })

		pages := []struct {
			name string
			get  func() *webtest.Response
			json bool
		}{
			{"the activation link", func() *webtest.Response { return b.Get(link) }, false},
			{"a reset link", func() *webtest.Response { return b.Get(strings.Replace(link, "/activate?", "/reset-password?", 1)) }, false},
			{"the forgotten-password form", func() *webtest.Response { return b.Get(acmeURL + "/forgot-password") }, false},
			{"a reset request", func() *webtest.Response {
				return b.Post(acmeURL+"/forgot-password", url.Values{"identifier": {"ops"}})
			}, false},
			{"discovery", func() *webtest.Response { return b.Get(acmeURL + "/.well-known/openid-configuration") }, true},
			{"the signing keys", func() *webtest.Response { return b.Get(acmeURL + "/oidc/jwks") }, true},
			{"the authorization endpoint", func() *webtest.Response { return b.Get(acmeURL + "/oidc/authorize?client_id=app") }, false},
			{"the token endpoint", func() *webtest.Response {
				return b.Post(acmeURL+"/oidc/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {"app"}})
			}, true},
			{"userinfo", func() *webtest.Response { return b.Get(acmeURL + "/oidc/userinfo") }, true},
		}
		for _, p := range pages {
			r := p.get()
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "suspended") {
				t.Errorf("%s of a suspended organization: %d; want 403 saying it is suspended\n%s", p.name, r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); p.json != strings.Contains(ct, "json") {
				t.Errorf("%s of a suspended organization answers %s; want JSON %v", p.name, ct, p.json)
			}
		}

		if _, err := orgs.Resume(t.Context(), sys, gatehouse.Client{}, "acme", ""); err != nil {
			t.Fatal(err)
		}
		eventually(t, func() bool { return b.Get(link).Status == http.StatusOK })
		if r := b.Get(acmeURL + "/.well-known/openid-configuration"); r.Status != http.StatusOK {
			t.Errorf("discovery after resuming: %d", r.Status)
		}
	})
}
