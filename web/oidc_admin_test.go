package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"golang.org/x/oauth2"
)

// TestOIDCClientsAPI: /api/v1/clients registers (secret shown once), lists,
// reads, rotates and deletes clients; bad input is 422 naming the field.
func TestOIDCClientsAPI(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		key := newAPIKey(t, s, "ops", gatehouse.RoleAdministrator)
		r := apiRequest(t, s, key, "POST", "/clients", `{"name": "CRM", "redirect_uris": ["https://crm.example.com/cb"],
			"post_logout_redirect_uris": ["https://crm.example.com/"], "public": false, "first_party": true}`)
		var created struct {
			ClientID     string   `json:"client_id"`
			ClientSecret string   `json:"client_secret"`
			Redirects    []string `json:"redirect_uris"`
			FirstParty   bool     `json:"first_party"`
		}
		decodeJSONBody(t, r, &created)
		if r.Status != http.StatusCreated || created.ClientID == "" || len(created.ClientSecret) != 43 || !created.FirstParty ||
			r.Header.Get("Location") != "/api/v1/clients/"+created.ClientID {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		r = apiRequest(t, s, key, "GET", "/clients/"+created.ClientID, "")
		if r.Status != http.StatusOK || strings.Contains(r.Body, "secret") || !strings.Contains(r.Body, `"https://crm.example.com/cb"`) {
			t.Errorf("get: %d %s", r.Status, r.Body)
		}
		r = apiRequest(t, s, key, "GET", "/clients", "")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, created.ClientID) || strings.Contains(r.Body, created.ClientSecret) {
			t.Errorf("list: %d %s", r.Status, r.Body)
		}
		r = apiRequest(t, s, key, "POST", "/clients", `{"name": "SPA", "redirect_uris": ["http://localhost:3000/cb"], "public": true}`)
		if r.Status != http.StatusCreated || strings.Contains(r.Body, "client_secret") {
			t.Errorf("public: %d %s", r.Status, r.Body)
		}
		for body, field := range map[string]string{
			`{"name": "", "redirect_uris": ["https://a.example/cb"]}`:                                            "name",
			`{"name": "X", "redirect_uris": []}`:                                                                 "redirect_uris",
			`{"name": "X", "redirect_uris": ["https://a.example/cb#frag"]}`:                                      "redirect_uris",
			`{"name": "X", "redirect_uris": ["javascript:alert(1)"]}`:                                            "redirect_uris",
			`{"name": "X", "redirect_uris": ["https://a.example/cb"], "post_logout_redirect_uris": ["ftp://x"]}`: "post_logout_redirect_uris",
		} {
			r := apiRequest(t, s, key, "POST", "/clients", body)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s", body, r.Status, r.Body)
			}
		}
		r = apiRequest(t, s, key, "POST", "/clients/"+created.ClientID+"/secret", "")
		if r.Status != http.StatusOK || strings.Contains(r.Body, created.ClientSecret) {
			t.Errorf("rotate: %d %s", r.Status, r.Body)
		}
		if r := apiRequest(t, s, key, "DELETE", "/clients/"+created.ClientID, ""); r.Status != http.StatusNoContent {
			t.Errorf("delete: %d %s", r.Status, r.Body)
		}
		wantProblem(t, "get deleted", apiRequest(t, s, key, "GET", "/clients/"+created.ClientID, ""), http.StatusNotFound)
		if evs := s.Audit(t, oidc.EventClientCreated, oidc.EventSecretRotated, oidc.EventClientDeleted); len(evs) != 4 {
			t.Errorf("%d client audit events, want 4", len(evs))
		}
	})
}

// TestOIDCSecretRotationGrace: after a rotation the old secret works for the
// grace period only; the new one works at once.
func TestOIDCSecretRotationGrace(t *testing.T) {
	s, rp, _ := planServer(t)
	sec, err := s.OIDC.Clients.RotateSecret(rp.ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, rp.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	exchange := func(secret string) string {
		conf := rp.conf
		conf.ClientSecret = secret
		f := rp.start()
		_, err := conf.Exchange(rp.ctx, rp.signIn(s.Browser(t), f, "ada", pw), oauth2.VerifierOption(f.verifier))
		return oauthErr(err)
	}
	if got := exchange(rp.secret); got != "" {
		t.Errorf("old secret within the grace period: %q", got)
	}
	if got := exchange(sec); got != "" {
		t.Errorf("new secret: %q", got)
	}
	s.Clock.Advance(oidc.DefaultSecretGrace + time.Minute)
	if got := exchange(rp.secret); got != "invalid_client" {
		t.Errorf("old secret after the grace period: %q", got)
	}
}

// TestOIDCAdminPages: an administrator creates an application in the admin
// area (the secret shown once), edits it, rotates its secret and deletes it;
// a member may not see the pages.
func TestOIDCAdminPages(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	b := s.Browser(t)
	b.SignIn(o.Admin.Username, goodPassword, "/account")
	r := b.Submit("/admin/applications", "/admin/applications", url.Values{
		"name": {"CRM"}, "redirect_uris": {"https://crm.example.com/cb\nhttps://crm.example.com/cb2"}, "first_party": {"on"},
	})
	m := regexp.MustCompile(`id="client-secret">([A-Za-z0-9_-]{43})<`).FindStringSubmatch(r.Body)
	id := regexp.MustCompile(`id="client-id">([a-z2-7]{26})<`).FindStringSubmatch(r.Body)
	if r.Status != http.StatusCreated || m == nil || id == nil {
		t.Fatalf("create: %d\n%s", r.Status, r.Body)
	}
	cl, err := s.OIDC.Clients.Authenticate(t.Context(), gatehouse.DefaultOrgID, id[1], m[1])
	if err != nil || len(cl.RedirectURIs) != 2 || !cl.FirstParty || cl.Public {
		t.Fatalf("the created client: %+v, %v", cl, err)
	}
	r = b.Submit("/admin/applications", "/admin/applications", url.Values{"name": {"Bad"}, "redirect_uris": {"http://crm.example.com/cb"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "localhost") {
		t.Errorf("bad redirect: %d", r.Status)
	}
	if r := b.Get("/admin/applications"); r.Status != http.StatusOK || !strings.Contains(r.Body, id[1]) || strings.Contains(r.Body, m[1]) {
		t.Errorf("list: %d", r.Status)
	}
	r = b.Submit("/admin/applications/"+id[1], "/admin/applications/"+id[1], url.Values{"name": {"CRM 2"}, "redirect_uris": {"https://crm.example.com/new"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.Status, r.Body)
	}
	if cl, _ := s.OIDC.Clients.Get(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.DefaultOrgID, id[1]); cl.Name != "CRM 2" || cl.RedirectURIs[0] != "https://crm.example.com/new" || cl.FirstParty {
		t.Errorf("edited: %+v", cl)
	}
	r = b.Submit("/admin/applications/"+id[1], "/admin/applications/"+id[1]+"/secret", nil)
	if r.Status != http.StatusCreated || !regexp.MustCompile(`id="client-secret">[A-Za-z0-9_-]{43}<`).MatchString(r.Body) || strings.Contains(r.Body, m[1]) {
		t.Errorf("rotate: %d", r.Status)
	}
	if r := b.Submit("/admin/applications/"+id[1], "/admin/applications/"+id[1]+"/delete", nil); r.Status != http.StatusSeeOther {
		t.Errorf("delete: %d", r.Status)
	}
	if _, err := s.OIDC.Clients.Get(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.DefaultOrgID, id[1]); !gatehouse.IsCode(err, gatehouse.NotFound) {
		t.Errorf("still there: %v", err)
	}
	mb := s.Browser(t)
	mb.SignIn(o.Member.Username, goodPassword, "/account")
	if r := mb.Get("/admin/applications"); r.Status != http.StatusForbidden {
		t.Errorf("a member sees the applications: %d", r.Status)
	}
}

// TestOIDCConsent: a client that is not first-party asks the member once;
// the answer is remembered, a denial goes back as access_denied, and
// prompt=none without consent is consent_required.
func TestOIDCConsent(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
	rp := newRP(t, s, oidc.NewClient{Name: "Partner app"})
	b := s.Browser(t)
	f := rp.start()
	r := b.Get(f.url)
	next, _ := url.Parse(r.Location)
	r = b.Submit(r.Location, "/login", url.Values{"identifier": {"ada"}, "password": {pw}, "next": {next.Query().Get("next")}})
	r = b.Follow(b.Follow(r))
	if r.Status != http.StatusOK || !containsAll(r.Body, "Allow Partner app?", "Your name, username and role", "Your email address") {
		t.Fatalf("consent page: %d\n%s", r.Status, r.Body)
	}
	consent := regexp.MustCompile(`action="(/oidc/consent/[a-z2-7]+)"`).FindStringSubmatch(r.Body)
	g := rp.start(oauth2.SetAuthURLParam("prompt", "none"))
	if q := rp.callbackQuery(b.Get(g.url)); q.Get("error") != "consent_required" {
		t.Errorf("prompt=none before consent: %v", q)
	}
	r = b.Post(consent[1], url.Values{"decision": {"allow"}})
	rp.exchange(rp.code(rp.callback(b, r), f), f)
	// Remembered: the next request gets a code at once.
	f = rp.start()
	rp.exchange(rp.code(rp.callbackQuery(b.Get(f.url)), f), f)
	if evs := s.Audit(t, oidc.EventConsent); len(evs) != 1 || evs[0].Details["approved"] != "true" {
		t.Errorf("consent events %v", evs)
	}

	// Another member denies.
	s.AddMember(t, "bob", "bob@example.com", pw, gatehouse.RoleMember)
	b2 := s.Browser(t)
	f = rp.start()
	r = b2.Get(f.url)
	next, _ = url.Parse(r.Location)
	r = b2.Submit(r.Location, "/login", url.Values{"identifier": {"bob"}, "password": {pw}, "next": {next.Query().Get("next")}})
	r = b2.Follow(b2.Follow(r))
	consent = regexp.MustCompile(`action="(/oidc/consent/[a-z2-7]+)"`).FindStringSubmatch(r.Body)
	q := rp.callback(b2, b2.Post(consent[1], url.Values{"decision": {"deny"}}))
	if q.Get("error") != "access_denied" || q.Get("state") != f.state {
		t.Errorf("denied: %v", q)
	}
}
