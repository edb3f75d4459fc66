package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// Every request has a correlation id: it is in the X-Request-Id response
// header, in every line logged while the request is handled (the attribute
// request_id, added by LogHandler from the request's context), and in every
// audit event the request causes (gatehouse.Client.RequestID). An operator
// who has one can find the others.
//
// A load balancer that already gave the request an id may pass it in
// X-Request-Id; it is kept when the request comes from a trusted proxy and
// the id is short and printable (validRequestID). Anyone else's header is ignored, so that
// a client cannot put what it likes into the logs and the audit log.

// RequestIDHeader is the header that carries a request's correlation id.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLength bounds an id accepted from a proxy: UUIDs (36), W3C
// trace ids (32) and the ids of the common load balancers fit.
const maxRequestIDLength = 64

// RequestID returns the correlation id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	return ""
}

// requestID returns the correlation id of r: the trusted proxy's, else a
// new one. begin puts it in the request's context and the response header
// before anything else runs.
func (s *Server) requestID(r *http.Request) string {
	if vs := r.Header.Values(RequestIDHeader); len(vs) == 1 && validRequestID(vs[0]) {
		if peer, ok := peerAddr(r); ok && inAny(s.Config.TrustedProxies, peer) {
			return vs[0]
		}
	}
	return gatehouse.NewID(nil)
}

// validRequestID accepts 1 to 64 ASCII letters, digits and - _ . : = / + @,
// which every id format in use fits (UUIDs, trace ids, "Root=1-…"): no space,
// quote, angle bracket or control character that could break a log line, a
// header, a page or a CSV cell.
func validRequestID(v string) bool {
	if v == "" || len(v) > maxRequestIDLength {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.:=/+@", c) >= 0) {
			return false
		}
	}
	return true
}

// peerAddr returns the address of the TCP peer of r.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

// LogHandler wraps h so that every record logged with the context of a
// request (the ...Context methods of slog.Logger) carries the request's
// correlation id as the attribute request_id. The server's own logger is
// wrapped by New; wrap the logger given to the use cases and the store with
// it too, so that their lines carry the id as well. Wrapping twice adds the
// attribute once.
func LogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(requestIDHandler); ok {
		return h
	}
	return requestIDHandler{h}
}

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
