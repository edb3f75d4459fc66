package web

import (
	"context"
	"net/http"
)

// deadline bounds the time a request may spend waiting for what it needs —
// above all the database. A database host that drops packets would otherwise
// hold a query until the operating system gives its connection up, minutes
// later; with a deadline, the store's call ends with Unavailable and the
// request gets 503 with Retry-After like any other outage.
func (s *Server) deadline(next http.Handler) http.Handler {
	if s.Config.RequestTimeout <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.Config.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
