package web

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthPages answer load balancers and monitoring: /healthz, /readyz and
// /metrics.
type healthPages struct{ *Server }

func (s healthPages) routes() {
	s.route("GET /healthz", s.healthz)
	s.route("GET /readyz", s.readyz)
	s.route("GET /metrics", s.metrics)
}

// healthz says the process is alive; it never touches the database.
func (s healthPages) healthz(w http.ResponseWriter, r *http.Request) {
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
func (s healthPages) readyz(w http.ResponseWriter, r *http.Request) {
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

// metrics serves the Prometheus metrics to the allowed networks only; to
// anyone else /metrics does not exist.
func (s healthPages) metrics(w http.ResponseWriter, r *http.Request) {
	if !s.metricsAllowed(r) {
		http.NotFound(w, r)
		return
	}
	promhttp.HandlerFor(s.Metrics.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// metricsAllowed reports whether the client may read /metrics: by default only
// from the machine itself, or from the networks in Config.MetricsAllow.
func (s healthPages) metricsAllowed(r *http.Request) bool {
	a, err := netip.ParseAddr(s.clientIP(r))
	if err != nil {
		return false
	}
	if len(s.Config.MetricsAllow) == 0 {
		return a.IsLoopback()
	}
	for _, p := range s.Config.MetricsAllow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
