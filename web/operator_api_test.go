package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/blocklist"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/operator"
)

// withDesk turns host routing and the service desk on (withOrgs) and
// returns the desk and an operator API key.
func withDesk(t *testing.T, s *webtest.Server) (*operator.Service, string, string) {
	t.Helper()
	orgs, _, acmeURL := withOrgs(t, s, false)
	desk := &operator.Service{Accounts: s.Store, APIKeyStore: s.Store, Log: s.Store, Desk: s.Store, Counters: s.Store, Keys: s.Store, Hasher: s.Hasher,
		Blocklist: blocklist.Default(), Composer: &mail.Templates{}, PublicURL: s.Web.Config.PublicURL, Now: s.Clock.Now}
	s.Web.OrgAdmin, s.Web.Desk = orgs, desk
	_, key, err := desk.CreateAPIKey(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "provisioning")
	if err != nil {
		t.Fatal(err)
	}
	return desk, key, acmeURL
}

// call makes an API request with the key and returns the status and the
// decoded JSON body.
func call(t *testing.T, c *http.Client, method, u, key, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// A provisioning system creates an organization and its first owner's
// invitation in one call, reads, lists, changes, suspends and resumes it; the
// operator log records each change; only operator keys, only on the public
// host.
func TestOperatorAPI(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		desk, key, acmeURL := withDesk(t, s)
		c := hostBrowser(t, s).Client
		base := s.URL + "/api/v1/operator/organizations"

		st, out := call(t, c, "POST", base, key, `{"slug":"beta","name":"Beta Co","hosts":["beta.example.com"],"owner_email":"boss@beta.test"}`)
		if st != http.StatusCreated || !strings.HasPrefix(out["invitation_url"].(string), "http://beta.example.com/setup?token=") || out["invitation_emailed"] != true {
			t.Fatalf("create: %d %v", st, out)
		}
		st, out = call(t, c, "POST", base, key, `{"slug":"beta","name":"B","hosts":["b2.example.com"]}`)
		if errs, _ := out["errors"].([]any); st != http.StatusUnprocessableEntity || len(errs) == 0 || errs[0].(map[string]any)["field"] != "slug" {
			t.Errorf("a taken slug: %d %v", st, out)
		}
		if st, out = call(t, c, "POST", base, key, `{"slug":"gamma","name":"G","hosts":["g.example.com"],"extra":1}`); st != http.StatusBadRequest && st != http.StatusUnprocessableEntity {
			t.Errorf("an unknown field: %d %v", st, out)
		}
		st, out = call(t, c, "GET", base+"?query=beta", key, "")
		if list, _ := out["organizations"].([]any); st != http.StatusOK || len(list) != 1 {
			t.Errorf("list ?query=beta: %d %v", st, out)
		}
		st, out = call(t, c, "GET", base+"/acme", key, "")
		if owners, _ := out["owners"].([]any); st != http.StatusOK || out["members"] != float64(1) || len(owners) != 1 || owners[0].(map[string]any)["email"] != "ops@example.com" {
			t.Errorf("read acme: %d %v", st, out)
		}
		if _, has := out["password_hash"]; has {
			t.Error("the API shows a hash")
		}
		if st, out = call(t, c, "PATCH", base+"/beta", key, `{"name":"Beta Group"}`); st != http.StatusOK || out["name"] != "Beta Group" {
			t.Errorf("update: %d %v", st, out)
		}
		if st, out = call(t, c, "POST", base+"/acme/suspend", key, `{"reason":"unpaid"}`); st != http.StatusOK || out["state"] != "suspended" {
			t.Fatalf("suspend: %d %v", st, out)
		}
		b := hostBrowser(t, s)
		eventually(t, func() bool { return b.Get(acmeURL+"/login").Status == http.StatusForbidden })
		if st, out = call(t, c, "POST", base+"/acme/resume", key, ""); st != http.StatusOK || out["state"] != "active" {
			t.Errorf("resume: %d %v", st, out)
		}
		if st, _ = call(t, c, "GET", base+"/nope", key, ""); st != http.StatusNotFound {
			t.Errorf("an unknown slug: %d", st)
		}

		// Refusals: no key, an organization's key, the API on an organization's host.
		if st, _ = call(t, c, "GET", base, "", ""); st != http.StatusUnauthorized {
			t.Errorf("no key: %d", st)
		}
		orgKey, _, err := s.App.APIKeys.Create(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, "crm", gatehouse.RoleOwner)
		if err != nil {
			t.Fatal(err)
		}
		if st, _ = call(t, c, "GET", base, orgKey, ""); st != http.StatusUnauthorized {
			t.Errorf("an organization's owner key: %d", st)
		}
		if st, _ = call(t, c, "GET", acmeURL+"/api/v1/operator/organizations", key, ""); st != http.StatusNotFound {
			t.Errorf("the operator API on acme's host: %d", st)
		}
		if st, _ = call(t, c, "GET", s.URL+"/api/v1/members", key, ""); st != http.StatusUnauthorized {
			t.Errorf("an operator key on the organizations' API: %d", st)
		}

		es, _, err := desk.Entries(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), operator.LogFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action)
		}
		got := strings.Join(actions, " ")
		for _, want := range []string{operator.ActionOrgCreated, operator.ActionOrgUpdated, operator.ActionOrgSuspended, operator.ActionOrgResumed} {
			if !strings.Contains(got, want) {
				t.Errorf("operator log %q lacks %s", got, want)
			}
		}
	})
}
