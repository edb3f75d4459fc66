package web

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/account"
)

// contentSecurityPolicy allows only this server's own scripts, styles and images,
// no framing, no plugins and forms that post only back to this server.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// apiContentSecurityPolicy is the policy of a JSON answer: nothing may load
// from it and nothing may frame it.
const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries. The values are built
// once: setting them is on the path of every request, and assigning a prepared
// value skips canonicalizing the name and allocating the slice each time (each
// slice has room for exactly one value, so a later Add copies rather than
// writes into it).
//
// The JSON API and the forward-auth check get the set OWASP's REST Security
// Cheat Sheet names for API answers (no-store, a policy that forbids loading
// and framing, nosniff, DENY, HSTS) and the resource policy. The headers
// that only a document uses (the referrer, opener and permissions policies
// and the page policy's sources) are left off them: no browser renders
// them, and every header is written, sent and parsed on every session check
// (issue 14: the three and the shorter policy are about a tenth of a
// check's CPU).
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	type header struct {
		name  string
		value []string
	}
	hsts := header{"Strict-Transport-Security", []string{"max-age=63072000; includeSubDomains"}}
	page := []header{
		{"Content-Security-Policy", []string{contentSecurityPolicy}},
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"Referrer-Policy", []string{"no-referrer"}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Cross-Origin-Opener-Policy", []string{"same-origin"}},
		{"Cross-Origin-Resource-Policy", []string{"same-origin"}},
		{"Permissions-Policy", []string{"camera=(), microphone=(), geolocation=(), payment=()"}},
	}
	api := []header{
		{"Content-Security-Policy", []string{apiContentSecurityPolicy}},
		{"X-Content-Type-Options", page[1].value},
		{"X-Frame-Options", page[3].value},
		{"Cross-Origin-Resource-Policy", page[5].value},
	}
	if s.secure {
		page, api = append(page, hsts), append(api, hsts)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		set := page
		if isAPIPath(r.URL.Path) {
			set = api
		}
		for _, f := range set {
			h[f.name] = f.value
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Pages show account data or carry one-time tokens: never store them.
			h["Cache-Control"] = noStore
		}
		next.ServeHTTP(w, r)
	})
}

// isAPIPath tells the paths whose answers are JSON for programs (or empty,
// for a proxy), never a page: the management API and the forward-auth check.
func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/auth/forward"
}

// noStore is the Cache-Control value of every answer but static files, set
// as a prepared slice (see securityHeaders). Its one value fills its
// capacity, so an Add copies it, and nothing writes into it.
var noStore = []string{"no-store"}

// crossOrigin refuses state-changing requests that a browser marks as coming from
// another origin (Sec-Fetch-Site, Origin), and audits them. Forms also carry a
// signed token (csrf.go): two independent defences.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.auditRefused(r, account.RefusedCrossOrigin)
		s.renderError(w, r, http.StatusForbidden, "This request came from another site and was refused. Go back to the page and try again.")
	}))
	for _, p := range oidcCrossSite {
		cop.AddInsecureBypassPattern(p)
	}
	return cop.Handler(next)
}

// auditRefused records a request refused before any use case ran, within the
// limits the use case keeps (account.AuditRefusedRequest). A failure to write
// is logged; the request is refused all the same.
func (s *Server) auditRefused(r *http.Request, reason string) {
	ctx := r.Context()
	if s.Config.RequestTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Config.RequestTimeout)
		defer cancel()
	}
	_, err := s.Account.AuditRefusedRequest(ctx, account.RefusedRequest{
		OrgID: s.orgID(r), Reason: reason, Method: r.Method, Path: r.URL.Path,
		Origin: r.Header.Get("Origin"), FetchSite: r.Header.Get("Sec-Fetch-Site"), Client: s.client(r),
	})
	if err != nil {
		s.Log.WarnContext(r.Context(), "auditing a refused request", "reason", reason, "err", err)
	}
}

// statusWriter remembers the status for logs and metrics, and the route
// pattern the router matched (see routed).
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	route  string
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe logs each request (without its query string, which may hold a token)
// and records metrics by route pattern. The router sets the pattern on the
// request it is given, which is not observe's own whenever a middleware in
// between copies the request (a handler may, with WithContext): so the router
// writes it back through the request's state, which every copy shares (see
// routed and reqState).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := stateOf(r.Context())
		if st == nil { // not through begin
			st = &reqState{}
			r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
		}
		sw := &st.sw
		*sw = statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		d := time.Since(start)
		route := sw.route
		if route == "" {
			route = "unmatched"
		}
		s.Metrics.request(route, r.Method, sw.status, d)
		if level := levelFor(sw.status); s.Log.Enabled(r.Context(), level) {
			attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", sw.status), slog.Duration("duration", d), slog.String("client", s.clientIP(r))}
			if sw.status == http.StatusServiceUnavailable {
				ok, n := s.unavailableRequestLog.allow()
				if !ok {
					return
				}
				if n > 0 {
					attrs = append(attrs, slog.Int("more_503_not_logged", n))
				}
			}
			s.Log.LogAttrs(r.Context(), level, "request", attrs...)
		}
	})
}

// routed is the router: it serves r and tells observe which pattern matched.
func (s *Server) routed(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
	// The catch-all "/" only answers addresses no page serves (uiPages.notFound):
	// those are counted as "unmatched", so a scan of random paths does not show
	// up as traffic to a route.
	if st := stateOf(r.Context()); st != nil && r.Pattern != "/" {
		st.sw.route = r.Pattern
	}
}

// recoverPanics turns a panic into a 500 page and a log entry with the stack, so
// that one bad request never takes the server down and no stack reaches a client.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.renderError(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// setRetryAfter sets the Retry-After header in whole seconds.
func setRetryAfter(w http.ResponseWriter, seconds int) {
	if seconds < 1 {
		seconds = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
}
