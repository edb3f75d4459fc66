package web

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
)

// /admin/api-keys: create a key for the management API (shown once, never
// again: only its hash is stored), list the keys with their last use, revoke.

type apiKeysPage struct {
	Keys     []*gatehouse.APIKey
	NewKey   string // the key just created, shown this once
	NewName  string
	CanOwner bool
}

func (s adminPages) apiKeysView(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, actor gatehouse.Actor) (*view, *apiKeysPage, error) {
	keys, err := s.APIKeys.List(r.Context(), actor, s.orgID(r))
	if err != nil {
		return nil, nil, err
	}
	d := &apiKeysPage{Keys: keys, CanOwner: m.Role == gatehouse.RoleOwner}
	v := s.adminView(w, r, m, "API keys", "apikeys", d)
	v.Form["role"] = string(gatehouse.RoleAdministrator)
	return v, d, nil
}

func (s adminPages) adminAPIKeys(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	v, _, err := s.apiKeysView(w, r, m, actor)
	if err != nil {
		s.adminFail(w, r, m, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_apikeys", v)
}

// adminCreateAPIKey answers with the page itself rather than a redirect: the
// key must not travel in a URL.
func (s adminPages) adminCreateAPIKey(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	key, k, err := s.APIKeys.Create(r.Context(), actor, s.client(r), s.orgID(r), field(r, "name"), gatehouse.Role(field(r, "role")))
	v, d, verr := s.apiKeysView(w, r, m, actor)
	if verr != nil {
		s.adminFail(w, r, m, verr)
		return
	}
	if err != nil {
		st, msg, _ := s.errorInfo(r, err)
		v.fieldErrors(err, msg)
		v.Form["name"], v.Form["role"] = field(r, "name"), field(r, "role")
		s.render(w, r, st, "admin_apikeys", v)
		return
	}
	d.NewKey, d.NewName = key, k.Name
	s.render(w, r, http.StatusCreated, "admin_apikeys", v)
}

func (s adminPages) adminRevokeAPIKey(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	if err := s.APIKeys.Revoke(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id")); err != nil {
		s.adminFail(w, r, m, err)
		return
	}
	s.redirect(w, r, "/admin/api-keys", url.Values{"done": {"key_revoked"}})
}
