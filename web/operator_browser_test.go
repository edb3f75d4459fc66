package web_test

import (
	"net"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// browserOrg turns host routing on (as serve does) and creates the
// organization slug on SLUG.localhost at the server's port, which Chromium
// sends to loopback; it returns the organization and its URL.
func browserOrg(t *testing.T, s *webtest.Server, slug, name string) (*gatehouse.Organization, string) {
	t.Helper()
	s.Web.Orgs = s.App.Orgs
	_, port, _ := net.SplitHostPort(s.Addr())
	c, err := s.App.Orgs.Create(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{},
		org.CreateRequest{Slug: slug, Name: name, Hosts: []string{slug + ".localhost:" + port}})
	if err != nil {
		t.Fatal(err)
	}
	return c.Org, "http://" + slug + ".localhost:" + port
}

// location returns the address the tab shows.
func location(t *testing.T, tab *gatehousetest.Tab) string {
	t.Helper()
	u, err := chromedp.Run(tab.Ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// noAxeViolations fails the test for every accessibility problem axe-core
// finds on the tab's page.
func noAxeViolations(t *testing.T, tab *gatehousetest.Tab, page string) {
	t.Helper()
	for _, v := range tab.Axe() {
		t.Errorf("%s: %s", page, v)
	}
}

var linkRe = regexp.MustCompile(`https?://[^\s"<>]+`)

// TestBrowserOperatorConsole drives the service desk in Chromium: an
// operator activates their account with the app's code, signs in, finds an
// organization by search, checks the owner's PIN (a wrong one, then the
// right one) and sends the recovery link, which the operator log then shows;
// the link is emailed (never shown)
// and opens on the organization's own host, where the owner chooses a new
// password.
func TestBrowserOperatorConsole(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{})
	ctx := t.Context()
	acme, acmeURL := browserOrg(t, s, "acme", "Acme Ltd")
	browserOrg(t, s, "beta", "Beta Co")
	owner, _, err := s.Admin.CreateMember(ctx, gatehouse.SystemActor(acme.ID), gatehouse.Client{}, gatehouse.NewMember{
		OrgID: acme.ID, Username: "boss", Email: "boss@acme.test", Password: goodPassword, Role: gatehouse.RoleOwner})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := s.Hasher.Hash(ctx, "602914")
	if err := s.Store.ChangeMember(ctx, acme.ID, owner.ID, gatehouse.MemberChange{SupportPINHash: &h, UpdatedAt: s.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	added, err := s.App.Desk.Add(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "dora", "dora@vendor.example")
	if err != nil {
		t.Fatal(err)
	}

	tab.Go(added.Link)
	key := strings.ReplaceAll(tab.Text("#totp-secret"), " ", "")
	code := func(offset int64) string {
		c, err := secret.TOTPCode(key, secret.TOTPStep(s.Clock.Now())+offset)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	noAxeViolations(t, tab, "the activation page")
	const pw = "amber lantern quiet river"
	tab.Fill("#password", pw)
	tab.Fill("#confirm_password", pw)
	tab.Fill("#code", code(0))
	tab.Submit("button.primary")
	if n := tab.Text(".notice"); !strings.Contains(n, "Your account is active") {
		t.Fatalf("after activation the notice is %q", n)
	}
	noAxeViolations(t, tab, "the sign-in page")
	tab.Fill("#username", "dora")
	tab.Fill("#password", pw)
	tab.Fill("#code", code(1))
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Organizations" {
		t.Fatalf("after sign-in the heading is %q", h)
	}
	noAxeViolations(t, tab, "the organizations")

	tab.Fill("#q", "acme")
	tab.Submit("form[role=search] button")
	if rows := tab.Text("tbody"); !strings.Contains(rows, "Acme Ltd") || strings.Contains(rows, "Beta Co") {
		t.Errorf("searching acme lists:\n%s", rows)
	}
	tab.Submit(`a[href="/operator/orgs/acme"]`)
	if h := tab.Text("h1"); h != "Acme Ltd" {
		t.Fatalf("the organization's page is %q", h)
	}
	if p := tab.Text("#owner-boss"); !strings.Contains(p, "boss@acme.test") || !strings.Contains(p, "support PIN set") {
		t.Errorf("the owner's contact details: %q", p)
	}
	noAxeViolations(t, tab, "the organization's page")

	pinForm := "#owner-boss form[action$='/pin']"
	tab.Fill("#pin-"+owner.ID, "111222")
	tab.Submit(pinForm + " button")
	if a := tab.Text("#owner-boss .alert"); !strings.Contains(a, "does not match") {
		t.Errorf("a wrong PIN: %q", a)
	}
	tab.Fill("#pin-"+owner.ID, "602914")
	tab.Submit(pinForm + " button")
	if n := tab.Text("#owner-boss .notice"); !strings.Contains(n, "The PIN matches") {
		t.Fatalf("the right PIN: %q", n)
	}
	noAxeViolations(t, tab, "the recovery form")
	sent := len(s.SMTP.Messages())
	tab.Fill("#reason-"+owner.ID, "locked out, called from the number on record")
	tab.Fill("#ticket-"+owner.ID, "T-1234")
	tab.Submit("#owner-boss button.primary")
	if n := tab.Text(".notice"); !strings.Contains(n, "The recovery link is emailed") {
		t.Errorf("after sending: %q", n)
	}
	if body := tab.Text("main"); strings.Contains(body, "token=") || strings.Contains(body, "/activate") {
		t.Errorf("the console shows the link:\n%s", body)
	}

	tab.Go(s.URL + "/operator/log")
	if rows := tab.Text("#log tbody"); !strings.Contains(rows, "Owner recovery sent") || !strings.Contains(rows, "T-1234") {
		t.Errorf("the operator log does not show the recovery:\n%s", rows)
	}
	noAxeViolations(t, tab, "the operator log")
	tab.Go(s.URL + "/operator/operators")
	if rows := tab.Text("#operators tbody"); !strings.Contains(rows, "dora@vendor.example") {
		t.Errorf("the operators:\n%s", rows)
	}
	noAxeViolations(t, tab, "the operators")

	s.SMTP.WaitFor(t, sent+1, 20*time.Second)
	m, ok := s.SMTP.Last("boss@acme.test")
	if !ok {
		t.Fatal("no recovery email to the owner")
	}
	link := linkRe.FindString(m.Text)
	if !strings.HasPrefix(link, acmeURL+"/activate?token=") {
		t.Fatalf("the recovery link %q is not on acme's host", link)
	}
	tab.Go(link)
	if b := tab.Text(".brand"); !strings.Contains(b, "Acme Ltd") {
		t.Errorf("the recovery link's page is %q's", b)
	}
	const next = "granite meadow lantern fjord"
	tab.Fill("#new_password", next)
	tab.Fill("#confirm_password", next)
	tab.Submit("button.primary")
	if u, _ := url.Parse(location(t, tab)); u == nil || u.Host != strings.TrimPrefix(acmeURL, "http://") {
		t.Errorf("after choosing the password the browser is at %s, not on acme's host", location(t, tab))
	}
	r := hostBrowser(t, s).Submit(acmeURL+"/login", acmeURL+"/login", url.Values{"identifier": {"boss"}, "password": {next}})
	if r.Status != 303 {
		t.Errorf("the owner signs in with the new password: %d", r.Status)
	}
}

// TestBrowserTwoOrganizations opens two organizations' sign-in pages in one
// Chromium: each shows its own name, a sign-in on one is no sign-in on the
// other, every redirect stays on the organization's own host, and the
// activation link each one emails opens on its own host.
func TestBrowserTwoOrganizations(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{})
	ctx := t.Context()
	type tenantURL struct {
		org  *gatehouse.Organization
		url  string
		name string
	}
	var orgs []tenantURL
	for _, o := range []struct{ slug, name string }{{"acme", "Acme Ltd"}, {"beta", "Beta Co"}} {
		got, u := browserOrg(t, s, o.slug, o.name)
		orgs = append(orgs, tenantURL{got, u, o.name})
		if _, _, err := s.Admin.CreateMember(ctx, gatehouse.SystemActor(got.ID), gatehouse.Client{}, gatehouse.NewMember{
			OrgID: got.ID, Username: "ops", Email: "ops@" + o.slug + ".test", Password: goodPassword, Role: gatehouse.RoleMember}); err != nil {
			t.Fatal(err)
		}
	}
	acme, beta := orgs[0], orgs[1]
	host := func(u string) string {
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		return p.Host
	}

	for _, o := range orgs {
		tab.Go(o.url + "/login")
		if b := tab.Text(".brand"); !strings.Contains(b, o.name) {
			t.Errorf("%s's sign-in page shows %q", o.url, b)
		}
		for _, other := range orgs {
			if other.name != o.name && strings.Contains(tab.Text("body"), other.name) {
				t.Errorf("%s's sign-in page names %s", o.url, other.name)
			}
		}
		noAxeViolations(t, tab, o.name+"'s sign-in page")
	}

	// Signed in on acme (redirected to acme's own account page)...
	tab.Go(acme.url + "/login")
	tab.Fill("#identifier", "ops")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	if h := tab.Text("h1"); h != "Your account" || host(location(t, tab)) != host(acme.url) {
		t.Fatalf("after signing in on acme: %q at %s", h, location(t, tab))
	}
	// ...is signed out on beta, whose redirect to its sign-in stays on beta.
	tab.Go(beta.url + "/account")
	tab.Wait("#identifier")
	if got := location(t, tab); host(got) != host(beta.url) || !strings.Contains(got, "/login") {
		t.Errorf("beta's account page without a session of beta led to %s", got)
	}
	if b := tab.Text(".brand"); !strings.Contains(b, "Beta Co") {
		t.Errorf("beta's sign-in page after acme's sign-in shows %q", b)
	}
	tab.Go(acme.url + "/account")
	if h := tab.Text("h1"); h != "Your account" {
		t.Errorf("acme's session after visiting beta: %q", h)
	}

	// Each organization's emails link to its own host.
	for _, o := range orgs {
		_, link, err := s.Admin.CreateMember(ctx, gatehouse.SystemActor(o.org.ID), gatehouse.Client{}, gatehouse.NewMember{
			OrgID: o.org.ID, Username: "newbie", Email: "newbie@" + o.org.Slug + ".test"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link, o.url+"/activate?token=") {
			t.Errorf("%s's activation link %q is not on its host", o.name, link)
			continue
		}
		tab.Go(link)
		if b := tab.Text(".brand"); !strings.Contains(b, o.name) {
			t.Errorf("%s's activation page shows %q", o.name, b)
		}
	}
}
