package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

// /api/v1/webhooks: the same management as /admin/webhooks, for API keys.
var webhookAPIRoutes = []apiRoute{
	{"GET", "/webhooks", func(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
		webhookEndpoints(s).list(w, r, c)
	}},
	{"POST", "/webhooks", func(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
		webhookEndpoints(s).create(w, r, c)
	}},
	{"GET", "/webhooks/{id}", func(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
		webhookEndpoints(s).get(w, r, c)
	}},
	{"DELETE", "/webhooks/{id}", func(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
		webhookEndpoints(s).remove(w, r, c)
	}},
	{"POST", "/webhooks/{id}/secret", func(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
		webhookEndpoints(s).rotate(w, r, c)
	}},
}

// webhookEndpoints is the handler type of /api/v1/webhooks.
type webhookEndpoints struct{ *Server }

type apiWebhook struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Events         []string `json:"events"`
	Description    string   `json:"description"`
	CreatedAt      string   `json:"created_at"`
	Active         bool     `json:"active"`
	DisabledAt     *string  `json:"disabled_at"`
	DisabledReason string   `json:"disabled_reason,omitempty"`
	// Secret is only in the answers that make one.
	Secret string `json:"secret,omitempty"`
}

func toAPIWebhook(e *webhook.Endpoint) apiWebhook {
	return apiWebhook{ID: e.ID, URL: e.URL, Events: e.Events, Description: e.Description,
		CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339), Active: e.Active(),
		DisabledAt: apiTimeText(e.DisabledAt), DisabledReason: e.DisabledReason}
}

// webhookService returns the service or answers 404 when there is none.
func (s webhookEndpoints) service(w http.ResponseWriter, r *http.Request) (*webhook.Service, bool) {
	if s.Webhooks == nil {
		s.problem(w, r, gatehouse.Errorf(gatehouse.NotFound, "web.webhooks", "Webhooks are not available on this server."))
		return nil, false
	}
	return s.Webhooks, true
}

type apiNewWebhook struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description"`
}

func (s webhookEndpoints) create(w http.ResponseWriter, r *http.Request, c *apiCall) {
	svc, ok := s.service(w, r)
	if !ok {
		return
	}
	var in apiNewWebhook
	if !decodeJSON(w, r, &in, false) {
		return
	}
	e, secret, err := svc.Create(r.Context(), c.Actor, s.client(r), c.OrgID, webhook.NewEndpoint{URL: in.URL, Events: in.Events, Description: in.Description})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := toAPIWebhook(e)
	out.Secret = secret
	w.Header().Set("Location", apiPrefix+"/webhooks/"+url.PathEscape(e.ID))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
}

func (s webhookEndpoints) list(w http.ResponseWriter, r *http.Request, c *apiCall) {
	svc, ok := s.service(w, r)
	if !ok {
		return
	}
	es, err := svc.Endpoints(r.Context(), c.Actor, c.OrgID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := struct {
		Webhooks []apiWebhook `json:"webhooks"`
	}{Webhooks: []apiWebhook{}}
	for _, e := range es {
		out.Webhooks = append(out.Webhooks, toAPIWebhook(e))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s webhookEndpoints) get(w http.ResponseWriter, r *http.Request, c *apiCall) {
	svc, ok := s.service(w, r)
	if !ok {
		return
	}
	e, err := svc.Endpoint(r.Context(), c.Actor, c.OrgID, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIWebhook(e))
}

func (s webhookEndpoints) remove(w http.ResponseWriter, r *http.Request, c *apiCall) {
	svc, ok := s.service(w, r)
	if !ok {
		return
	}
	if err := svc.Delete(r.Context(), c.Actor, s.client(r), c.OrgID, r.PathValue("id")); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// rotate makes a new secret; the old one signs too for a day.
func (s webhookEndpoints) rotate(w http.ResponseWriter, r *http.Request, c *apiCall) {
	svc, ok := s.service(w, r)
	if !ok {
		return
	}
	secret, err := svc.Rotate(r.Context(), c.Actor, s.client(r), c.OrgID, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, struct {
		Secret string `json:"secret"`
	}{secret})
}
