package web

import (
	"context"
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
)

// The organization of a request is decided here and nowhere else: resolveOrg
// decides it once, before any handler runs, and every handler reads it with
// orgID. Pages a member reaches without a session (sign-in, forgotten
// password, reset and activation links, setup) act in it; a session, an API
// key or a link of another organization is refused by the use cases, which
// compare it with the organization they name.
//
// Today every request belongs to the default organization. The organizations
// issue turns resolveOrg into a lookup of the request's host among the
// organizations' configured addresses (answering 404 for a host that names
// none); no handler changes when it does.

type orgKey struct{}

// resolveOrg puts the organization of the request in its context.
func (s *Server) resolveOrg(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), orgKey{}, gatehouse.DefaultOrgID)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// orgID returns the organization of the request as resolveOrg decided it. A
// request that did not pass resolveOrg belongs to none (""), which every use
// case refuses rather than guessing one.
func (s *Server) orgID(r *http.Request) string {
	id, _ := r.Context().Value(orgKey{}).(string)
	return id
}
