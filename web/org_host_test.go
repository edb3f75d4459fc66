package web_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/org"
)

// hostBrowser is a browser that reaches the test server whatever host a URL
// names, as DNS would send acme.localhost to loopback.
func hostBrowser(t *testing.T, s *webtest.Server) *webtest.Browser {
	b := s.Browser(t)
	d := &net.Dialer{}
	b.Client.Transport = &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, s.Addr())
	}}
	return b
}

// withOrgs turns host routing on and creates the organization acme on
// acme.localhost (at the server's port), with a member ops in it and another
// ops, with another password, in the default organization.
func withOrgs(t *testing.T, s *webtest.Server, defaultForUnknown bool) (*org.Service, *gatehouse.Organization, string) {
	t.Helper()
	orgs := &org.Service{Store: s.Store, Composer: &mail.Templates{}, PublicURL: s.Web.Config.PublicURL, Now: s.Clock.Now}
	s.Web.Orgs = orgs
	s.Web.Config.DefaultOrgForUnknownHosts = defaultForUnknown
	_, port, _ := net.SplitHostPort(s.Addr())
	c, err := orgs.Create(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, org.CreateRequest{Slug: "acme", Name: "Acme Ltd",
		Hosts: []string{"acme.localhost:" + port}})
	if err != nil {
		t.Fatal(err)
	}
	for _, nm := range []gatehouse.NewMember{
		{OrgID: c.Org.ID, Username: "ops", Email: "ops@example.com", Password: "violet kettle orbit marsh", Role: gatehouse.RoleOwner},
		{OrgID: gatehouse.DefaultOrgID, Username: "ops", Email: "ops@example.com", Password: "amber lantern quiet river", Role: gatehouse.RoleOwner},
	} {
		if _, _, err := s.Admin.CreateMember(t.Context(), gatehouse.SystemActor(nm.OrgID), gatehouse.Client{}, nm); err != nil {
			t.Fatal(err)
		}
	}
	return orgs, c.Org, "http://acme.localhost:" + port
}

// A request belongs to the organization whose host it names, exactly; members
// with the same name and email in two organizations are two accounts; a
// session is not valid on another organization's host; an unknown host is a
// plain 404; a suspended organization refuses its pages and API.
func TestHostRouting(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		orgs, acme, acmeURL := withOrgs(t, s, false)
		_, port, _ := net.SplitHostPort(s.Addr())
		b := hostBrowser(t, s)

		// Links in acme's emails are on acme's host.
		_, link, err := s.Admin.CreateMember(t.Context(), gatehouse.SystemActor(acme.ID), gatehouse.Client{}, gatehouse.NewMember{
			OrgID: acme.ID, Username: "newbie", Email: "newbie@example.com"})
		if err != nil || !strings.HasPrefix(link, acmeURL+"/activate?token=") {
			t.Errorf("acme's activation link = %q, %v; want it on acme's host", link, err)
		}
		if r := b.Get(link); r.Status != http.StatusOK {
			t.Errorf("acme's activation link on acme's host: %d", r.Status)
		}
		if r := b.Get("http://nobody.localhost:" + port + "/login"); r.Status != http.StatusNotFound || strings.Contains(r.Body, "Acme") || strings.Contains(r.Body, "<form") {
			t.Errorf("unknown host: %d\n%s", r.Status, r.Body)
		}
		if r := b.Get("http://nobody.localhost:" + port + "/healthz"); r.Status != http.StatusOK {
			t.Errorf("/healthz on an unknown host: %d", r.Status)
		}
		if r := b.Get(acmeURL + "/login"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Acme Ltd") {
			t.Errorf("acme's sign-in page: %d\n%s", r.Status, r.Body)
		}
		if r := b.Get(s.URL + "/login"); r.Status != http.StatusOK || strings.Contains(r.Body, "Acme Ltd") {
			t.Errorf("the default organization's sign-in page: %d", r.Status)
		}

		// The default organization's password does not open acme's ops.
		if r := b.Submit(acmeURL+"/login", acmeURL+"/login", map[string][]string{"identifier": {"ops"}, "password": {"amber lantern quiet river"}}); r.Status == http.StatusSeeOther {
			t.Fatalf("acme's ops signed in with the default organization's ops's password: %d %s", r.Status, r.Location)
		}
		// The browser shows a redirect to the host it asked as a path.
		r := b.Submit(acmeURL+"/login", acmeURL+"/login", map[string][]string{"identifier": {"ops"}, "password": {"violet kettle orbit marsh"}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/") {
			t.Fatalf("acme's ops signs in on acme's host: %d to %q; want a redirect on acme's host\n%s", r.Status, r.Location, r.Body)
		}
		if r := b.Get(acmeURL + "/account"); r.Status != http.StatusOK {
			t.Fatalf("acme's account page after sign-in: %d %s", r.Status, r.Location)
		}
		// The browser keeps the cookie to acme's host; carried by hand to the
		// public host, it is no session there.
		var cookie *http.Cookie
		for _, c := range b.Client.Jar.Cookies(mustURL(t, acmeURL)) {
			if c.Name == s.Web.SessionCookieName() {
				cookie = c
			}
		}
		if cookie == nil {
			t.Fatal("no session cookie for acme's host")
		}
		for _, c := range b.Client.Jar.Cookies(mustURL(t, s.URL)) {
			if c.Name == cookie.Name {
				t.Errorf("acme's session cookie is sent to the public host: %v", c)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/account", nil)
		req.AddCookie(cookie)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), s.URL+"/login") {
			t.Errorf("acme's session on the public host: %d to %q; want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
		}

		key, _, err := s.App.APIKeys.Create(t.Context(), gatehouse.SystemActor(acme.ID), gatehouse.Client{}, acme.ID, "crm", gatehouse.RoleAdministrator)
		if err != nil {
			t.Fatal(err)
		}
		api := func() int {
			req, _ := http.NewRequest(http.MethodGet, acmeURL+"/api/v1/members", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := b.Client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if st := api(); st != http.StatusOK {
			t.Errorf("acme's key on acme's host: %d", st)
		}
		if _, err := orgs.Suspend(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "acme", "unpaid"); err != nil {
			t.Fatal(err)
		}
		eventually(t, func() bool { return b.Get(acmeURL+"/login").Status == http.StatusForbidden })
		if r := b.Get(acmeURL + "/login"); !strings.Contains(r.Body, "suspended") {
			t.Errorf("a suspended organization's sign-in page does not say so:\n%s", r.Body)
		}
		if r := b.Get(acmeURL + "/account"); r.Status != http.StatusForbidden {
			t.Errorf("a suspended organization's member's session still works: %d", r.Status)
		}
		if st := api(); st != http.StatusForbidden {
			t.Errorf("a suspended organization's key: %d", st)
		}
		if r := b.Get(s.URL + "/login"); r.Status != http.StatusOK {
			t.Errorf("the default organization while acme is suspended: %d", r.Status)
		}
		if _, err := orgs.Resume(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "acme", ""); err != nil {
			t.Fatal(err)
		}
		eventually(t, func() bool { return b.Get(acmeURL+"/account").Status == http.StatusOK })
		if st := api(); st != http.StatusOK {
			t.Errorf("acme's key after resuming: %d", st)
		}
	})
}

// With GATEHOUSE_DEFAULT_ORG_FOR_UNKNOWN_HOSTS an unknown host is the default
// organization.
func TestUnknownHostDefault(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	withOrgs(t, s, true)
	_, port, _ := net.SplitHostPort(s.Addr())
	b := hostBrowser(t, s)
	r := b.Submit("http://other.localhost:"+port+"/login", "http://other.localhost:"+port+"/login",
		map[string][]string{"identifier": {"ops"}, "password": {"amber lantern quiet river"}})
	if r.Status != http.StatusSeeOther {
		t.Errorf("the default organization's ops on an unknown host: %d\n%s", r.Status, r.Body)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// eventually polls cond until it holds: a change reaches the host cache at once
// through this Store, or within the cache's maximum age.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
