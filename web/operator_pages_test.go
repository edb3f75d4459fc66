package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/secret"
)

var secretRe = regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`)

// The console end to end over HTTP: activation with the app, sign-in with a
// code, the organizations, an owner's contact details, a wrong and a right
// PIN, the recovery link sent (never shown), and the console refused on an
// organization's host.
func TestOperatorConsole(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		desk, _, acmeURL := withDesk(t, s)
		ctx := t.Context()
		acme, err := s.Store.OrganizationBySlug(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		ops, err := s.Store.MemberByUsername(ctx, acme.ID, "ops")
		if err != nil {
			t.Fatal(err)
		}
		h, _ := s.Hasher.Hash(ctx, "602914")
		if err := s.Store.ChangeMember(ctx, acme.ID, ops.ID, gatehouse.MemberChange{SupportPINHash: &h, UpdatedAt: s.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		added, err := desk.Add(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "dora", "dora@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		b := hostBrowser(t, s)
		u, _ := url.Parse(added.Link)
		page := b.Get(s.URL + u.RequestURI())
		m := secretRe.FindStringSubmatch(page.Body)
		if page.Status != http.StatusOK || m == nil {
			t.Fatalf("activation page: %d\n%s", page.Status, page.Body)
		}
		key := strings.ReplaceAll(m[1], " ", "")
		code := func(offset int64) string {
			c, _ := secret.TOTPCode(key, secret.TOTPStep(s.Clock.Now())+offset)
			return c
		}
		const pw = "violet kettle orbit marsh"
		r := b.Post(s.URL+"/operator/activate", url.Values{"token": {u.Query().Get("token")}, "password": {pw}, "confirm_password": {pw}, "code": {code(0)}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("activate: %d\n%s", r.Status, r.Body)
		}
		b.Get(s.URL + "/operator")
		if r = b.Post(s.URL+"/operator/login", url.Values{"username": {"dora"}, "password": {pw}, "code": {"000000"}}); r.Status != http.StatusUnauthorized {
			t.Errorf("a wrong code: %d", r.Status)
		}
		if r = b.Post(s.URL+"/operator/login", url.Values{"username": {"dora"}, "password": {pw}, "code": {code(1)}}); r.Status != http.StatusSeeOther {
			t.Fatalf("sign-in: %d\n%s", r.Status, r.Body)
		}
		home := b.Get(s.URL + "/operator")
		if home.Status != http.StatusOK || !strings.Contains(home.Body, "Acme Ltd") || !strings.Contains(home.Body, "/operator/orgs/acme") {
			t.Fatalf("organizations: %d\n%s", home.Status, home.Body)
		}
		orgPage := b.Get(s.URL + "/operator/orgs/acme")
		if !strings.Contains(orgPage.Body, "ops@example.com") || strings.Contains(orgPage.Body, "argon2") {
			t.Errorf("acme's page does not show the owner's contact details, or shows a hash:\n%s", orgPage.Body)
		}
		pinURL := s.URL + "/operator/orgs/acme/owners/" + ops.ID + "/pin"
		r = b.Post(pinURL, url.Values{"pin": {"111222"}})
		if r = b.Follow(r); !strings.Contains(r.Body, "does not match") || strings.Contains(r.Body, "Send recovery link") {
			t.Errorf("a wrong PIN:\n%s", r.Body)
		}
		r = b.Post(pinURL, url.Values{"pin": {"602914"}})
		if r = b.Follow(r); !strings.Contains(r.Body, "Send recovery link") {
			t.Fatalf("the right PIN:\n%s", r.Body)
		}
		r = b.Post(s.URL+"/operator/orgs/acme/owners/"+ops.ID+"/recover", url.Values{"reason": {"locked out"}, "ticket": {"SD-9"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("recover: %d\n%s", r.Status, r.Body)
		}
		if r = b.Follow(r); strings.Contains(r.Body, "token=") {
			t.Error("the console shows the recovery link")
		}
		es, _, _ := desk.Entries(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), operator.LogFilter{OrgID: acme.ID})
		var got []string
		for _, e := range es {
			got = append(got, e.Action)
		}
		if j := strings.Join(got, " "); !strings.Contains(j, operator.ActionRecoverySent) || strings.Count(j, operator.ActionPINChecked) != 2 {
			t.Errorf("operator log for acme: %s", j)
		}
		if r = b.Get(acmeURL + "/operator"); r.Status != http.StatusNotFound {
			t.Errorf("the console on acme's host: %d", r.Status)
		}
		if r = s.Browser(t).Get("/operator/orgs/acme"); r.Status != http.StatusSeeOther {
			t.Errorf("an organization's page without an operator session: %d", r.Status)
		}
	})
}
