package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// env is what every worker of a run shares.
type env struct {
	o         *options
	t         *target
	http      *http.Client
	transport *http.Transport
	members   []*member // for signin, session and forgot
	resetters [][]*member
	sessions  []string     // session cookies (name=value) for the session and forward-auth scenarios
	answer    *floorAnswer // the session or forward-auth answer the baseline copies
	csrf      string       // a CSRF cookie (name=value) for the pages scenario
	mailbox   *mailbox
	sampler   *sampler
	search    *searchEnv // the search scenario's queries and administrator
	// The mail scenario's sink, members to activate, API key and store.
	sink      *sink
	activate  []string
	apiKey    string
	mailStore *setup
	// rawClients are closed at the end, so the server sees its connections go.
	rawMu      sync.Mutex
	rawClients []*rawClient
}

// recs are one worker's recorders, by the name of the request. Until the
// phase's clock starts (warm-up) and after it stops, records go to a set that is
// thrown away: a request counts in the phase in which it ended, and requests cut
// short at the end are not counted.
type recs struct {
	counting   *atomic.Bool
	real, warm map[string]*recorder
}

func (r *recs) get(name string) *recorder {
	m := r.warm
	if r.counting.Load() {
		m = r.real
	}
	rec := m[name]
	if rec == nil {
		rec = newRecorder()
		m[name] = rec
	}
	return rec
}

// group is a number of workers running one loop.
type group struct {
	n  int
	fn func(ctx context.Context, id int, r *recs)
}

// phase runs groups for d after a warm-up of warm and returns the merged
// recorders of the measured time, and that time.
func phase(ctx context.Context, warm, d time.Duration, mark func(started bool), groups ...group) (map[string]*recorder, time.Duration) {
	var counting atomic.Bool
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	all := map[string]*recorder{}
	for _, g := range groups {
		for i := range g.n {
			wg.Go(func() {
				r := &recs{counting: &counting, real: map[string]*recorder{}, warm: map[string]*recorder{}}
				g.fn(runCtx, i, r)
				mu.Lock()
				defer mu.Unlock()
				for k, v := range r.real {
					if all[k] == nil {
						all[k] = newRecorder()
					}
					all[k].merge(v)
				}
			})
		}
	}
	sleep(ctx, warm)
	if mark != nil {
		mark(true)
	}
	counting.Store(true)
	start := time.Now()
	sleep(ctx, d)
	elapsed := time.Since(start)
	counting.Store(false)
	if mark != nil {
		mark(false)
	}
	cancel()
	wg.Wait()
	return all, elapsed
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// done reports whether the worker's context has ended; a request that failed
// because of that is not an error of the server.
func done(ctx context.Context) bool { return ctx.Err() != nil }

// signinWorker signs in through the form again and again, each time as a new
// session: the session cookie of the previous round is not sent. Each virtual
// client loads the page once for its anti-forgery cookie and token, as a
// person who signs out and in again, or with --signin-page before every
// sign-in, as a person who comes back to the page each time (page loads are
// the pages scenario's business, and cost the generator as much as the server).
// The POSTs go through the generator's own client, a tenth of net/http's cost.
func (e *env) signinWorker(name string) func(ctx context.Context, id int, r *recs) {
	return func(ctx context.Context, id int, r *recs) {
		b := e.newBrowser()
		var c *rawClient
		var headers []string
		for i := id; !done(ctx); i += len(e.members) {
			m := e.members[i%len(e.members)]
			if c == nil || e.o.signinPage {
				a, err := b.get("/login")
				if done(ctx) {
					return
				}
				r.get("GET /login").record(a.took, a.status, err, a.status == http.StatusOK)
				if err != nil || a.status != http.StatusOK {
					continue
				}
				name, value := b.cookie("csrf")
				headers = []string{"Cookie: " + name + "=" + value, "X-Forwarded-For: " + b.ip}
				if c == nil {
					c = e.raw("/login", nil)
				}
			}
			form := url.Values{"identifier": {m.username}, "password": {m.password}, "csrf_token": {b.csrf}}.Encode()
			start := time.Now()
			st, err := c.post("/login", headers, form)
			if done(ctx) {
				return
			}
			r.get(name).record(time.Since(start), st, err, st == http.StatusSeeOther && !strings.Contains(c.location, "/login"))
		}
	}
}

// floodWorker posts sign-ins without pause (or with --flood-pause after a 503),
// as an attacker or a stampede would: no page load after the first, a correct
// password, so that every request that gets through costs a hash.
func (e *env) floodWorker(ctx context.Context, id int, r *recs) {
	b := e.newBrowser()
	if _, err := b.get("/login"); err != nil {
		return
	}
	name, value := b.cookie("csrf")
	headers := []string{"Cookie: " + name + "=" + value, "X-Forwarded-For: " + b.ip}
	m := e.members[id%len(e.members)]
	form := url.Values{"identifier": {m.username}, "password": {m.password}, "csrf_token": {b.csrf}}.Encode()
	c := e.raw("/login", nil)
	for !done(ctx) {
		start := time.Now()
		st, err := c.post("/login", headers, form)
		took := time.Since(start)
		if done(ctx) {
			return
		}
		switch {
		case err == nil && st == http.StatusServiceUnavailable:
			r.get("flood signin").record(took, st, nil, true)
			if c.retryAfter == "" {
				r.get("503 without Retry-After").record(0, st, nil, false)
			}
			sleep(ctx, e.o.floodPause)
		default:
			r.get("flood signin").record(took, st, err, err == nil && st == http.StatusSeeOther)
		}
	}
}

// sessionWorker checks a session again and again: a business application
// asking who is signed in.
func (e *env) sessionWorker(ctx context.Context, id int, r *recs) {
	c := checks["session"]
	checkWorker(c, e.sessions, c.name, e.raw)(ctx, id, r)
}

// pagesWorker loads the sign-in page again and again, as a browser that has
// been there before (it sends its anti-forgery cookie).
func (e *env) pagesWorker(ctx context.Context, id int, r *recs) {
	c := e.raw("/login", []string{"Cookie: " + e.csrf, "X-Forwarded-For: " + newIP()})
	for !done(ctx) {
		start := time.Now()
		st, err := c.do()
		if done(ctx) {
			return
		}
		r.get("GET /login").record(time.Since(start), st, err, st == http.StatusOK)
	}
}

func (e *env) raw(path string, headers []string) *rawClient {
	c := newRawClient(e.t.addr, path, headers, e.o.timeout)
	e.rawMu.Lock()
	e.rawClients = append(e.rawClients, c)
	e.rawMu.Unlock()
	return c
}

// closeClients closes every connection of the generator.
func (e *env) closeClients() {
	e.rawMu.Lock()
	for _, c := range e.rawClients {
		c.close()
	}
	e.rawClients = nil
	e.rawMu.Unlock()
	e.transport.CloseIdleConnections()
}
