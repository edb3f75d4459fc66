package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

func secondsDur(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// needs says what a scenario needs before it runs.
type needs struct {
	members, sessions, csrf, recovery, mail, hash, search, mailRate bool
}

func needsOf(scenario string) needs {
	switch scenario {
	case "signin":
		return needs{members: true, hash: true}
	case "session", "forwardauth":
		return needs{members: true, sessions: true}
	case "pages":
		return needs{csrf: true}
	case "forgot":
		return needs{members: true, recovery: true}
	case "reset":
		return needs{members: true, recovery: true, mail: true}
	case "flood":
		return needs{members: true, sessions: true, csrf: true}
	case "soak":
		return needs{members: true, sessions: true, csrf: true, recovery: true, mail: true}
	case "search", "growth":
		return needs{search: true}
	case "mail":
		return needs{mailRate: true}
	}
	return needs{}
}

// execute prepares the target, runs the scenario and returns the report. An
// error means the scenario could not run at all.
func execute(ctx context.Context, o *options, progress func(string, ...any)) (*Report, error) {
	rep := &Report{Scenario: o.scenario, Concurrency: o.concurrency, CPUs: runtime.NumCPU(), Members: o.members,
		LoadAvgBefore: loadAvg()}
	cores := o.cores
	if cores == 0 {
		cores = runtime.NumCPU()
	}
	var t *target
	var err error
	if o.url != "" {
		if t, err = openURL(o); err != nil {
			return nil, err
		}
		rep.Target = o.url
	} else {
		if t, err = prepareOwn(ctx, o, progress); err != nil {
			if t != nil {
				t.cleanup(false)
			}
			return nil, err
		}
		defer t.cleanup(o.keep)
		if o.keep {
			rep.Notes = append(rep.Notes, "kept the server's directory (database, mail, log): "+t.dir)
		}
		rep.Target = "started"
	}
	rep.Database = t.dialect
	if rep.Database == "" {
		rep.Database = "unknown"
	}

	nd := needsOf(o.scenario)
	conns := o.concurrency + 16
	if o.scenario == "flood" {
		conns += o.flood
	}
	tr := newTransport(conns)
	e := &env{o: o, t: t, transport: tr, http: newHTTPClient(tr, o.timeout)}
	defer e.closeClients()

	plan := planOf(o)
	if nd.members || nd.recovery {
		su, err := newSetup(ctx, t)
		if err != nil {
			return nil, err
		}
		defer su.close()
		if nd.recovery {
			// CAPTCHA off: the generator cannot solve a proof of work cheaply,
			// and that cost is the client's, not the server's. Twenty reset
			// emails per account and hour, the most allowed, so that the reset
			// scenario needs fewer members.
			if err := su.settings(ctx, map[string]string{"captcha": "off", "reset_requests_per_hour": "20", "forgot_password_enabled": "true"}); err != nil {
				return nil, fmt.Errorf("settings: %w", err)
			}
			if !t.own() {
				// A running server sees another process's settings within its
				// settings cache's time (sqlstore.DefaultSettingsTTL).
				sleep(ctx, sqlstore.DefaultSettingsTTL+100*time.Millisecond)
			}
		}
		progress("creating %d members (one password hash each)", o.members)
		if e.members, err = su.members(ctx, "m", o.members); err != nil {
			return nil, err
		}
		if plan.reset > 0 {
			per := max(4, int(o.duration.Seconds()+o.warmup.Seconds())/4+1)
			progress("creating %d members for the reset scenario", plan.reset*per)
			for i := range plan.reset {
				ms, err := su.members(ctx, fmt.Sprintf("r%02d-", i), per)
				if err != nil {
					return nil, err
				}
				e.resetters = append(e.resetters, ms)
			}
		}
	}
	var searchStore *sqlstore.Store
	if nd.search {
		su, err := newSetup(ctx, t)
		if err != nil {
			return nil, err
		}
		defer su.close()
		prefix := ""
		if !t.own() {
			prefix = su.prefix + "." // runs on one database must not collide
		}
		// An administrator's searches from the API count against the key's
		// limit (600 a minute by default); the scenario measures the search,
		// not the limit.
		if err := su.settings(ctx, map[string]string{"api_requests_per_minute": "100000"}); err != nil {
			return nil, fmt.Errorf("settings: %w", err)
		}
		if o.seeded {
			progress("searching the members already seeded")
			if e.search, err = su.seededSearch(ctx, t); err != nil {
				return nil, err
			}
		} else {
			progress("seeding %d members", o.members)
			if e.search, err = su.seedSearch(ctx, rep, o.members, prefix, progress); err != nil {
				return nil, err
			}
			if err := analyze(ctx, t); err != nil {
				return nil, fmt.Errorf("VACUUM ANALYZE: %w", err)
			}
			if o.auditEvents > 0 {
				progress("seeding %d audit events", o.auditEvents)
				if err := su.seedAudit(ctx, t, rep, o.auditEvents, e.search.ids, prefix, progress); err != nil {
					return nil, err
				}
			}
		}
		searchStore = su.store
		if !t.own() {
			sleep(ctx, sqlstore.DefaultSettingsTTL+100*time.Millisecond) // the running server's settings cache
		}
	}
	if nd.mailRate {
		su, err := newSetup(ctx, t)
		if err != nil {
			return nil, err
		}
		defer su.close()
		progress("creating %d members to activate, and the SMTP sink", o.members)
		if err := e.mailSetup(ctx, su, rep); err != nil {
			return nil, err
		}
		defer e.sink.close()
	}
	if t.own() {
		progress("starting the server on %s (%s)", t.base, t.dialect)
		if err := t.start(ctx, o.serverBin); err != nil {
			return nil, err
		}
		for i := 2; i <= o.replicas; i++ {
			progress("starting replica %d", i)
			r, err := t.startReplica(ctx, o.serverBin, i)
			if r != nil {
				defer r.cleanup(true)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	sampler := startSampler(t.pid)
	defer sampler.stop()
	e.sampler = sampler

	if nd.recovery {
		_, err := e.forgotForm(e.newBrowser())
		switch {
		case errors.Is(err, errNeedsRecovery) && o.scenario == "soak":
			plan.forgot, plan.reset = 0, 0
			rep.Notes = append(rep.Notes, "the server has no /forgot-password (recovery flow not in this build): the soak ran without the forgot and reset scenarios")
		case err != nil:
			return nil, err
		}
	}
	if nd.mail && plan.reset > 0 {
		if t.mailDir == "" {
			return nil, errors.New("the reset scenario reads the mail files: with --url, give --mail-dir")
		}
		e.mailbox = newMailbox(t.mailDir)
		mctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go e.mailbox.run(mctx)
	}
	if nd.sessions {
		if err := e.openSessions(min(max(plan.session, 1), 64)); err != nil {
			return nil, err
		}
		if c, ok := checks[o.scenario]; ok {
			if e.answer, err = e.probe(c); err != nil {
				return nil, err
			}
		}
	}
	if nd.csrf {
		b := e.newBrowser()
		if _, err := b.get("/login"); err != nil {
			return nil, err
		}
		name, value := b.cookie("csrf")
		if name == "" {
			return nil, errors.New("GET /login set no anti-forgery cookie")
		}
		e.csrf = name + "=" + value
	}
	if nd.search {
		if err := e.openAdmin(); err != nil {
			return nil, err
		}
	}
	if nd.hash {
		progress("timing one password hash")
		if rep.Hash, err = measureHash(ctx, t, cores); err != nil {
			return nil, err
		}
	}

	progress("running %s for %s (after %s of warm-up)", o.scenario, o.duration, o.warmup)
	var m measure
	m.t, m.e = t, e
	switch o.scenario {
	case "flood":
		err = e.runFlood(ctx, rep, &m, sampler)
	case "soak":
		err = e.runSoak(ctx, rep, &m, plan, sampler)
	case "growth":
		m.mark(true)
		err = e.runGrowth(ctx, rep)
		m.mark(false)
	case "mail":
		m.mark(true)
		err = e.runMail(ctx, rep)
		m.mark(false)
	default:
		e.runSimple(ctx, rep, &m, plan)
	}
	if o.scenario == "search" {
		progress("timing the sort orders and counts through the store")
		e.judgeSearch(ctx, rep, searchStore)
	}
	if err != nil {
		return nil, err
	}
	rep.LoadAvgAfter = loadAvg()
	if t.pid != 0 && rep.Server == nil {
		rep.Server = m.server(sampler)
	}
	if t.own() && o.scenario != "soak" {
		err := t.stop()
		ok := err == nil
		rep.Server.ExitOK = &ok
		rep.check("server stopped cleanly", ok, "on SIGTERM: %v", errOrOK(err))
	}
	rep.Passed = true
	for _, c := range rep.Checks {
		rep.Passed = rep.Passed && c.OK
	}
	return rep, nil
}

func errOrOK(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// plan is how many workers of each kind a run has.
type plan struct {
	signin, session, pages, forgot, reset, search int
}

func planOf(o *options) plan {
	c := o.concurrency
	switch o.scenario {
	case "signin":
		return plan{signin: c}
	case "session", "forwardauth":
		return plan{session: c}
	case "pages":
		return plan{pages: c}
	case "forgot":
		return plan{forgot: c}
	case "reset":
		return plan{reset: c}
	case "flood":
		return plan{session: c, pages: c, signin: 2}
	case "soak":
		return plan{signin: max(1, c/4), session: max(1, c/4), pages: max(1, c/4), forgot: max(1, c/8), reset: max(1, c/8)}
	case "search":
		return plan{search: c}
	}
	return plan{}
}

// openSessions signs in n browsers and keeps their session cookies.
func (e *env) openSessions(n int) error {
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for i := range n {
		wg.Go(func() {
			b := e.newBrowser()
			b.keepSession = true
			m := e.members[i%len(e.members)]
			if _, err := b.get("/login"); err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			a, err := b.post("/login", url.Values{"identifier": {m.username}, "password": {m.password}})
			name, value := b.cookie("session")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				firstErr = err
			case a.status != http.StatusSeeOther || name == "":
				firstErr = fmt.Errorf("signing in %s to open a session: %d to %q", m.username, a.status, a.location)
			default:
				e.sessions = append(e.sessions, name+"="+value)
			}
		})
	}
	wg.Wait()
	return firstErr
}
