package web

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

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
	ctx  requestCtx
	// idHeader is the X-Request-Id header's value, allocated with the
	// state rather than on its own.
	idHeader [1]string
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
		st.idHeader[0] = st.id
		w.Header()[RequestIDHeader] = st.idHeader[:] // full: an Add copies it
		st.ctx.init(r.Context(), st, s.Config.RequestTimeout)
		defer st.ctx.end()
		next.ServeHTTP(w, r.WithContext(&st.ctx))
	})
}

// requestCtx is the context begin gives a request: its parent's, with the
// request's state under stateKey and the request's deadline. The deadline's
// timer (context.WithDeadline: a timer, a context, its channel and its place
// among its parent's children) is armed only when something waits for the
// deadline (Done) or asks whether it passed (Err), as every database call
// does; a session check answered from the session cache never does, and
// was paying a fifth of its allocations for it (issue 14). Deadline tells
// the deadline from the start either way, and an armed context ends at the
// same instant as one made at the start would.
type requestCtx struct {
	parent   context.Context
	st       *reqState
	deadline time.Time // zero: no RequestTimeout
	once     sync.Once
	armed    atomic.Pointer[armedDeadline]
}

type armedDeadline struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *requestCtx) init(parent context.Context, st *reqState, timeout time.Duration) {
	c.parent, c.st = parent, st
	if timeout > 0 {
		c.deadline = time.Now().Add(timeout)
	}
}

// active returns the context that Done and Err answer for: the armed one,
// arming it first, or, without a deadline or once the request ended, the
// parent.
func (c *requestCtx) active() context.Context {
	c.once.Do(func() {
		if c.deadline.IsZero() {
			return
		}
		ctx, cancel := context.WithDeadline(c.parent, c.deadline)
		c.armed.Store(&armedDeadline{ctx, cancel})
	})
	if a := c.armed.Load(); a != nil {
		return a.ctx
	}
	return c.parent
}

// end releases the deadline's timer, if armed, when the request is done;
// one not armed yet never will be, and a late Done is the parent's, which
// net/http cancels as the handler returns.
func (c *requestCtx) end() {
	c.once.Do(func() {})
	if a := c.armed.Load(); a != nil {
		a.cancel()
	}
}

func (c *requestCtx) Deadline() (time.Time, bool) {
	d, ok := c.parent.Deadline()
	if !c.deadline.IsZero() && (!ok || c.deadline.Before(d)) {
		return c.deadline, true
	}
	return d, ok
}

func (c *requestCtx) Done() <-chan struct{} { return c.active().Done() }
func (c *requestCtx) Err() error            { return c.active().Err() }

// Value answers the request's state, and asks the armed context for the
// rest: a context derived from this one after Done then finds the armed
// one's cancellation under context's own key, and joins it without a
// goroutine of its own.
func (c *requestCtx) Value(key any) any {
	switch key.(type) {
	case stateKey:
		return c.st
	case i18n.RequestKey: // as i18n.WithRequest would, one context fewer
		return &c.st.lang
	}
	if a := c.armed.Load(); a != nil {
		return a.ctx.Value(key)
	}
	return c.parent.Value(key)
}

func (c *requestCtx) String() string { return "web.requestCtx" }
