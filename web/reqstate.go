package web

import (
	"context"
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

// reqState is what the middleware learn about a request as it passes them:
// its correlation id, the writer that records its status and route, its
// organization and its language. begin makes one per request and puts it in
// the request's context once, with the request's deadline; the middleware
// after it fill in their part instead of each copying the request with a
// context of its own (WithContext copies the whole http.Request). On the
// path of every session check that was five copies and as many contexts a
// request (issue 14, docs/performance.md).
type reqState struct {
	id   string
	sw   statusWriter
	org  *gatehouse.Organization
	lang i18n.Request
}

type stateKey struct{}

// stateOf returns the request's state, nil for a request that did not pass
// begin (a handler called directly by a test).
func stateOf(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
}

// begin gives the request its correlation id (requestID), its deadline
// (deadline) and its state, in one copy of the request, before anything
// else runs.
func (s *Server) begin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqState{id: s.requestID(r)}
		w.Header()[RequestIDHeader] = []string{st.id}
		ctx := i18n.WithRequest(r.Context(), &st.lang)
		if s.Config.RequestTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.Config.RequestTimeout)
			defer cancel()
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, stateKey{}, st)))
	})
}
