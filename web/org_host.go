package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/org"
)

// The organization of a request (issue 12): the one whose host is exactly the
// request's Host. It is decided here, once per request, and every handler
// reads it through orgID. A request to a host no organization has gets a
// plain 404 (or, with Config.DefaultOrgForUnknownHosts, the default
// organization); a suspended organization's pages and API refuse everything.

// OrgFinder finds the organization of a Host header; the public URL's host is
// the default organization's, and NotFound means none has it. package org's
// Service is one.
type OrgFinder interface {
	ByHost(ctx context.Context, host string) (*gatehouse.Organization, error)
}

// hostFree are the paths that answer on any host: a load balancer's checks
// name whatever host it likes, and static files belong to nobody.
func hostFree(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/static/")
}

// organization resolves the request's organization and puts it in the
// request's context.
func (s *Server) organization(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Orgs == nil || hostFree(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		o, err := s.Orgs.ByHost(r.Context(), r.Host)
		if gatehouse.IsCode(err, gatehouse.NotFound) && s.Config.DefaultOrgForUnknownHosts {
			o, err = s.Orgs.ByHost(r.Context(), s.Config.PublicURL.Host)
		}
		switch {
		case gatehouse.IsCode(err, gatehouse.NotFound):
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, "Not found: no organization answers at this address.", http.StatusNotFound)
			return
		case err != nil:
			s.fail(w, r, err)
			return
		}
		if st := stateOf(r.Context()); st != nil {
			st.org = o
		} else { // not through begin
			r = r.WithContext(context.WithValue(r.Context(), stateKey{}, &reqState{org: o}))
		}
		if o.Suspended() && !s.operatorPath(r.URL.Path) {
			s.Log.InfoContext(r.Context(), "request to a suspended organization", "org", o.ID, "path", r.URL.Path)
			s.renderError(w, r, http.StatusForbidden, gatehouse.SuspendedMessage)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// operatorPath reports whether path belongs to the service desk, which is not
// any organization's and is never refused for one's suspension.
func (s *Server) operatorPath(path string) bool {
	return path == "/operator" || strings.HasPrefix(path, "/operator/") || strings.HasPrefix(path, "/api/v1/operator/") || path == "/api/v1/operator"
}

// orgID returns the organization a request belongs to: the one the
// organization middleware found for its Host, or the default organization
// when the server has no OrgFinder (one organization) or the path answers on
// any host (hostFree). Handlers never choose one themselves
// (TestNoHandlerPicksAnOrganization).
func (s *Server) orgID(r *http.Request) string {
	if o := orgOf(r); o != nil {
		return o.ID
	}
	return gatehouse.DefaultOrgID
}

// orgOf returns the request's organization, nil when the request's host was
// not resolved (no OrgFinder: the default organization).
func orgOf(r *http.Request) *gatehouse.Organization {
	if st := stateOf(r.Context()); st != nil {
		return st.org
	}
	return nil
}

// orgLink returns an absolute link to path on the request's organization's
// URL: the public URL's scheme with the organization's first host, never the
// request's Host header.
func (s *Server) orgLink(r *http.Request, path string, q url.Values) string {
	if o := orgOf(r); o != nil && s.Config.PublicURL != nil {
		return org.Link(s.Config.PublicURL, o, path, q)
	}
	return s.link(path, q)
}

// onPublicHost reports whether the request came to the installation's own
// host (the default organization's), where the service desk lives.
func onPublicHost(r *http.Request) bool {
	o := orgOf(r)
	return o == nil || o.ID == gatehouse.DefaultOrgID
}
