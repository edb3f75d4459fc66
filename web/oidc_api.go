package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

// /api/v1/clients: the OpenID Connect clients in the management API. The
// routes are listed in apiRoutes (api_routes.go) with the other endpoints
// that take an API key.

type apiClient struct {
	ClientID               string    `json:"client_id"`
	Name                   string    `json:"name"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	BackchannelLogoutURI   string    `json:"backchannel_logout_uri"`
	Public                 bool      `json:"public"`
	FirstParty             bool      `json:"first_party"`
	Offline                bool      `json:"offline"`
	CreatedAt              time.Time `json:"created_at"`
}

func toAPIClient(c *oidc.Client) apiClient {
	nz := func(s []string) []string {
		if s == nil {
			return []string{}
		}
		return s
	}
	return apiClient{ClientID: c.ID, Name: c.Name, RedirectURIs: nz(c.RedirectURIs), PostLogoutRedirectURIs: nz(c.PostLogoutURIs),
		BackchannelLogoutURI: c.BackchannelLogoutURI, Public: c.Public, FirstParty: c.FirstParty, Offline: c.Offline, CreatedAt: c.CreatedAt.UTC()}
}

type apiNewClient struct {
	Name                   string   `json:"name"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris"`
	BackchannelLogoutURI   string   `json:"backchannel_logout_uri"`
	Public                 bool     `json:"public"`
	FirstParty             bool     `json:"first_party"`
	Offline                bool     `json:"offline"`
}

// oidcClients returns the registered applications, or answers 404 when the
// provider is off.
func (s apiEndpoints) oidcClients(w http.ResponseWriter, r *http.Request) (*oidc.Clients, bool) {
	if s.OIDC == nil {
		s.problem(w, r, gatehouse.Errorf(gatehouse.NotFound, "web.oidc", "The OpenID Connect provider is off."))
		return nil, false
	}
	return s.OIDC.Clients, true
}

func apiListClients(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	p, ok := s.oidcClients(w, r)
	if !ok {
		return
	}
	cls, err := p.List(r.Context(), c.Actor, c.OrgID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := []apiClient{}
	for _, cl := range cls {
		out = append(out, toAPIClient(cl))
	}
	writeJSON(w, http.StatusOK, map[string]any{"clients": out})
}

func apiCreateClient(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	p, ok := s.oidcClients(w, r)
	if !ok {
		return
	}
	var in apiNewClient
	if !decodeJSON(w, r, &in, false) {
		return
	}
	cl, sec, err := p.Create(r.Context(), c.Actor, s.client(r), c.OrgID, oidc.NewClient{
		Name: in.Name, RedirectURIs: in.RedirectURIs, PostLogoutURIs: in.PostLogoutRedirectURIs, BackchannelLogoutURI: in.BackchannelLogoutURI,
		Public: in.Public, FirstParty: in.FirstParty, Offline: in.Offline,
	})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := struct {
		apiClient
		ClientSecret string `json:"client_secret,omitempty"`
	}{toAPIClient(cl), sec}
	w.Header().Set("Location", apiPrefix+"/clients/"+url.PathEscape(cl.ID))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
}

func apiGetClient(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	p, ok := s.oidcClients(w, r)
	if !ok {
		return
	}
	cl, err := p.Get(r.Context(), c.Actor, c.OrgID, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAPIClient(cl))
}

func apiDeleteClient(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	p, ok := s.oidcClients(w, r)
	if !ok {
		return
	}
	if err := p.Delete(r.Context(), c.Actor, s.client(r), c.OrgID, r.PathValue("id")); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func apiRotateClientSecret(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	p, ok := s.oidcClients(w, r)
	if !ok {
		return
	}
	sec, err := p.RotateSecret(r.Context(), c.Actor, s.client(r), c.OrgID, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"client_id": r.PathValue("id"), "client_secret": sec})
}
