package web_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

// hookReceiver is a CRM's endpoint: it records the events whose signature
// the Standard Webhooks library verifies with secret (set once known), and
// answers fail for its first failures requests.
type hookReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	secret   string
	failures int
	tries    int
	events   []map[string]any
	bad      int
}

func newHookReceiver(t *testing.T, failures int) *hookReceiver {
	h := &hookReceiver{failures: failures}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.tries++
		if h.tries <= h.failures {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		wh, err := standardwebhooks.NewWebhook(h.secret)
		if err == nil {
			// The test's clock is not the real one: the timestamp is checked apart.
			err = wh.VerifyIgnoringTimestamp(body, r.Header)
		}
		if err != nil {
			h.bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var e map[string]any
		json.Unmarshal(body, &e)
		h.events = append(h.events, e)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) setSecret(s string) { h.mu.Lock(); h.secret = s; h.mu.Unlock() }

func (h *hookReceiver) types() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		out = append(out, e["type"].(string))
	}
	return out
}

// waitFor polls cond while the worker works; the bound only guards against
// a hang (no timing is asserted).
func waitFor(t *testing.T, what string, s *webtest.Server, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		s.Clock.Advance(10 * time.Second) // past any retry the schedule asks for early on
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWebhookAPIEndToEnd: an integrator registers a webhook through the API;
// a member's password change through the pages reaches it, signed, after
// the receiver failed twice; list, get, rotate and delete.
func TestWebhookAPIEndToEnd(t *testing.T) {
	webtest.Each(t, webtest.Options{WebhookWorker: true}, func(t *testing.T, s *webtest.Server) {
		org := newAdminOrg(t, s)
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		rc := newHookReceiver(t, 2)

		r := apiRequest(t, s, key, "POST", "/webhooks", `{"url":"`+rc.URL+`/in","events":["password.changed","sessions.revoked"]}`)
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var created struct {
			ID, Secret string
			Events     []string
		}
		json.Unmarshal([]byte(r.Body), &created)
		if created.ID == "" || !strings.HasPrefix(created.Secret, "whsec_") || len(created.Events) != 2 {
			t.Fatalf("created %s", r.Body)
		}
		rc.setSecret(created.Secret)

		// The member changes their password through the pages.
		b := signedInAs(t, s, org.Member.Username)
		pr := b.Submit("/account/password", "/account/password", url.Values{
			"current_password": {goodPassword}, "new_password": {"tangerine mosaic harbor lantern"}, "confirm_password": {"tangerine mosaic harbor lantern"}})
		if pr.Status != http.StatusSeeOther {
			t.Fatalf("password change: %d %s", pr.Status, pr.Body)
		}
		waitFor(t, "the password.changed webhook", s, func() bool { return len(rc.types()) >= 1 })
		rc.mu.Lock()
		ev, tries, bad := rc.events[0], rc.tries, rc.bad
		rc.mu.Unlock()
		data := ev["data"].(map[string]any)
		if ev["type"] != "password.changed" || data["target"].(map[string]any)["id"] != org.Member.ID || tries != 3 || bad != 0 {
			t.Errorf("received %v after %d tries (%d bad signatures)", ev, tries, bad)
		}
		// The receiver has answered; the worker records the outcome just after.
		var ds []*webhook.Delivery
		waitFor(t, "the delivery to be recorded", s, func() bool {
			ds, _, _ = s.Webhooks.Deliveries(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.DefaultOrgID, webhook.DeliveryFilter{})
			return len(ds) == 1 && ds[0].Status != webhook.Pending
		})
		if ds[0].Status != webhook.Delivered || ds[0].Attempts != 3 {
			t.Errorf("delivery: %+v", *ds[0])
		}

		if r := apiRequest(t, s, key, "GET", "/webhooks", ""); r.Status != 200 || !strings.Contains(r.Body, created.ID) || strings.Contains(r.Body, "whsec_") {
			t.Errorf("list: %d %s", r.Status, r.Body)
		}
		if r := apiRequest(t, s, key, "GET", "/webhooks/"+created.ID, ""); r.Status != 200 || strings.Contains(r.Body, "whsec_") {
			t.Errorf("get: %d %s", r.Status, r.Body)
		}
		r = apiRequest(t, s, key, "POST", "/webhooks/"+created.ID+"/secret", "")
		var rot struct{ Secret string }
		json.Unmarshal([]byte(r.Body), &rot)
		if r.Status != 200 || !strings.HasPrefix(rot.Secret, "whsec_") || rot.Secret == created.Secret {
			t.Errorf("rotate: %d %s", r.Status, r.Body)
		}
		if r := apiRequest(t, s, key, "DELETE", "/webhooks/"+created.ID, ""); r.Status != http.StatusNoContent {
			t.Errorf("delete: %d %s", r.Status, r.Body)
		}
		wantProblem(t, "get deleted", apiRequest(t, s, key, "GET", "/webhooks/"+created.ID, ""), http.StatusNotFound)
		if n := len(s.Audit(t, gatehouse.EventWebhookCreated, gatehouse.EventWebhookRotated, gatehouse.EventWebhookDeleted)); n != 3 {
			t.Errorf("%d webhook audit events, want 3", n)
		}
	})
}

// TestWebhookAPIRefusals: bad input is refused naming the field (private
// addresses are refused by the service's own tests: this server allows them).
func TestWebhookAPIRefusals(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
	for _, tc := range []struct{ name, body, field string }{
		{"no url", `{"events":["*"]}`, "url"},
		{"relative url", `{"url":"/in","events":["*"]}`, "url"},
		{"no events", `{"url":"https://crm.example.com/in","events":[]}`, "events"},
		{"unknown event", `{"url":"https://crm.example.com/in","events":["password.stolen"]}`, "events"},
	} {
		r := apiRequest(t, s, key, "POST", "/webhooks", tc.body)
		wantProblem(t, tc.name, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.Body, `"field": "`+tc.field+`"`) && !strings.Contains(r.Body, `"field":"`+tc.field+`"`) {
			t.Errorf("%s: the problem does not name %s: %s", tc.name, tc.field, r.Body)
		}
	}
	wantProblem(t, "unknown field", apiRequest(t, s, key, "POST", "/webhooks", `{"url":"https://crm.example.com","events":["*"],"secret":"x"}`), http.StatusUnprocessableEntity)
	wantProblem(t, "no key", apiRequest(t, s, "", "GET", "/webhooks", ""), http.StatusUnauthorized)
}

var secretOnPage = regexp.MustCompile(`id="new-secret">(whsec_[^<]+)<`)

// pageSecret returns the secret shown on a page, unescaped.
func pageSecret(body string) string {
	m := secretOnPage.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestWebhookAdminPages: an administrator creates a webhook (the secret is
// shown once), gives it a new secret, sees its deliveries and deletes it;
// a member may not see the pages.
func TestWebhookAdminPages(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		org := newAdminOrg(t, s)
		rc := newHookReceiver(t, 0)
		b := signedInAs(t, s, org.Admin.Username)
		r := b.Submit("/admin/webhooks", "/admin/webhooks", url.Values{"url": {rc.URL}, "events": {"member.*, password.changed"}, "description": {"CRM"}})
		secret := pageSecret(r.Body)
		if _, err := standardwebhooks.NewWebhook(secret); r.Status != http.StatusCreated || err != nil {
			t.Fatalf("create: %d\n%s", r.Status, r.Body)
		}
		list := b.Get("/admin/webhooks")
		if list.Status != 200 || !strings.Contains(list.Body, rc.URL) || strings.Contains(list.Body, secret[6:20]) {
			t.Fatalf("list: %d (the secret must not show again)", list.Status)
		}
		es, _ := s.Webhooks.Endpoints(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.DefaultOrgID)
		if len(es) != 1 || strings.Join(es[0].Events, " ") != "member.* password.changed" {
			t.Fatalf("endpoints %+v", es)
		}
		r = b.Post("/admin/webhooks/"+es[0].ID+"/rotate", nil)
		if s2 := pageSecret(r.Body); r.Status != 200 || s2 == "" || s2 == secret {
			t.Errorf("rotate: %d", r.Status)
		}
		// Bad input is shown next to the field.
		r = b.Post("/admin/webhooks", url.Values{"url": {"ftp://x"}, "events": {"*"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="url-error"`) {
			t.Errorf("bad url: %d", r.Status)
		}
		// A member change queues a delivery, listed on the status page.
		s.AddMember(t, "newbie", "newbie@example.com", goodPassword, gatehouse.RoleMember)
		d := b.Get("/admin/webhooks/deliveries?status=pending")
		if d.Status != 200 || !strings.Contains(d.Body, "member.created") {
			t.Errorf("deliveries page: %d\n%s", d.Status, d.Body)
		}
		if r := b.Get("/admin/webhooks/deliveries?status=bogus"); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("bad status filter: %d", r.Status)
		}
		r = b.Post("/admin/webhooks/"+es[0].ID+"/delete", nil)
		if r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "done=webhook_deleted") {
			t.Errorf("delete: %d %s", r.Status, r.Location)
		}
		mb := signedInAs(t, s, org.Member.Username)
		if r := mb.Get("/admin/webhooks"); r.Status != http.StatusForbidden {
			t.Errorf("a member on /admin/webhooks: %d", r.Status)
		}
	})
}
