package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/i18n"
)

// TestRequestStateOnce: the middleware put the request's id, deadline,
// language and route in the one state begin makes, and a request through
// them costs a bounded number of allocations (each WithContext copy of the
// request was one more; issue 14's session check pays this on every request).
func TestRequestStateOnce(t *testing.T) {
	s, err := New(nil, nil, Config{RequestTimeout: 5 * time.Second}, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	var seen struct {
		id       string
		deadline time.Duration
		lang     bool
	}
	s.route("GET /probe", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		seen.id = RequestID(ctx)
		if d, ok := ctx.Deadline(); ok {
			seen.deadline = time.Until(d)
		}
		st := stateOf(ctx)
		seen.lang = st != nil && i18n.RequestOf(ctx) == &st.lang && st.lang.Lang == "de"
		w.WriteHeader(http.StatusNoContent)
	})
	h := s.Handler()
	r := httptest.NewRequest(http.MethodGet, "/probe", nil)
	r.Header.Set("Accept-Language", "de")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusNoContent {
		t.Fatalf("GET /probe: %d", w.Code)
	}
	if seen.id == "" || seen.id != w.Header().Get(RequestIDHeader) {
		t.Errorf("handler saw request id %q, header %q", seen.id, w.Header().Get(RequestIDHeader))
	}
	if seen.deadline <= 0 || seen.deadline > 5*time.Second {
		t.Errorf("handler's deadline in %v, want within the 5s RequestTimeout", seen.deadline)
	}
	if !seen.lang {
		t.Error("the handler's i18n request is not the request state's, or lacks Accept-Language's de")
	}
	if n := probeCount(t, s); n != 1 {
		t.Errorf("metrics count %v requests to the route GET /probe, want 1", n)
	}

	// 5 with Go 1.26 and this chain (the request id, the state with its
	// X-Request-Id value, the language's context, one copy of the request,
	// the metrics' labels); 11 while the deadline's timer was armed and the
	// header's value made apart, 17 when each middleware made its own copy.
	const most = 5
	rw := &discardWriter{h: http.Header{}}
	r.Header.Del("Accept-Language") // as an application's session check
	allocs := testing.AllocsPerRun(200, func() {
		clear(rw.h)
		h.ServeHTTP(rw, r)
	})
	if allocs > most {
		t.Errorf("a request through the middleware allocates %.0f times, want at most %d", allocs, most)
	}
}

type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

// probeCount reads the request counter of the route GET /probe.
func probeCount(t *testing.T, s *Server) float64 {
	mfs, err := s.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "gatehouse_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" && l.GetValue() == "GET /probe" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestRequestDeadline: the request's deadline, whose timer is armed only
// when something waits for it, still ends a request that waits (as a
// database call does) at the deadline, with context.DeadlineExceeded, for
// the request's context and for one derived from it; and a request that
// never waits ends without its timer ever armed.
func TestRequestDeadline(t *testing.T) {
	const timeout = 50 * time.Millisecond
	s, err := New(nil, nil, Config{RequestTimeout: timeout}, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	var waited, derived error
	var armed, hasDeadline bool
	s.route("GET /wait", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		child, cancel := context.WithCancel(ctx)
		defer cancel()
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
		waited = ctx.Err()
		<-child.Done()
		derived = child.Err()
		w.WriteHeader(http.StatusNoContent)
	})
	s.route("GET /quick", func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r.Context())
		armed = st == nil || st.ctx.armed.Load() != nil
		_, hasDeadline = r.Context().Deadline()
		w.WriteHeader(http.StatusNoContent)
	})
	h := s.Handler()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/wait", nil))
	if waited != context.DeadlineExceeded || derived != context.DeadlineExceeded {
		t.Errorf("after the deadline: request's context %v, derived %v; want %v for both", waited, derived, context.DeadlineExceeded)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/quick", nil))
	if armed || !hasDeadline {
		t.Errorf("a request that never waits: timer armed %v, has a deadline %v; want false, true", armed, hasDeadline)
	}
}
