package web

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// healthz says the process is alive; it never touches the database.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.Config.Version})
}

// Unready is the error a Ready function returns to say which part the server
// needs is not ready. /readyz shows Reason, never the error's detail.
type Unready struct {
	Reason string // for instance "database unreachable" or "redis unreachable"
	Err    error
}

func (e *Unready) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *Unready) Unwrap() error { return e.Err }

// readyz says whether this replica can serve: Ready (the database, and Redis
// when configured) answers within a second. Load balancers stop sending
// traffic while it fails.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := s.Ready(ctx); err != nil {
			reason := "database unreachable"
			var u *Unready
			if errors.As(err, &u) {
				reason = u.Reason
			}
			s.Log.WarnContext(r.Context(), "not ready", "reason", reason, "err", err)
			setRetryAfter(w, 5)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
