package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// runSoak runs every available scenario at once for the measured time, then
// checks what a long run would reveal: 5xx answers, goroutines or memory that
// grow, mail that is queued but never delivered, a damaged database.
func (e *env) runSoak(ctx context.Context, rep *Report, m *measure, p plan, s *sampler) error {
	// Goroutines before: every connection of the setup closed, so that only
	// the server's own goroutines count.
	e.closeClients()
	sleep(ctx, 300*time.Millisecond)
	g0, err := readMetrics(e, "go_goroutines")
	if err != nil {
		return fmt.Errorf("reading /metrics: %w", err)
	}
	groups := []group{
		{p.signin, e.signinWorker("POST /login")},
		{p.session, e.sessionWorker},
		{p.pages, e.pagesWorker},
	}
	if p.forgot > 0 {
		groups = append(groups, group{p.forgot, e.forgotWorker})
	}
	if p.reset > 0 {
		groups = append(groups, group{p.reset, e.resetWorker})
	}
	all, elapsed := phase(ctx, e.o.warmup, e.o.duration, m.mark, groups...)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	rep.DurationS = round(elapsed.Seconds(), 2)
	rep.Concurrency = p.signin + p.session + p.pages + p.forgot + p.reset
	rep.Ops = opsOf(all, elapsed.Seconds(), "POST /login", "GET /api/v1/session", "GET /login", "POST /forgot-password", "reset")
	rep.Server = m.server(s)
	e.generatorReport(rep, m)
	judgeErrors(rep)

	// Memory: the largest resident set in the last quarter against the
	// largest in the first half, when caches and hashing slots have filled.
	if e.t.pid != 0 {
		early := s.maxBetween(m.started, m.started.Add(elapsed/2))
		late := s.maxBetween(m.stopped.Add(-elapsed/4), m.stopped.Add(time.Second))
		growth := mib(late - early)
		rep.check("no memory growth", growth <= float64(e.o.maxRSSGrowthMiB),
			"resident set %.1f MiB in the first half, %.1f MiB in the last quarter: %+.1f MiB (bound %d)",
			mib(early), mib(late), growth, e.o.maxRSSGrowthMiB)
	} else {
		rep.Notes = append(rep.Notes, "memory growth not checked: give --pid with --url")
	}

	// Goroutines after: the generator's connections closed, the server given
	// a moment to notice.
	e.closeClients()
	before := int(g0["go_goroutines"])
	after := -1
	for range 20 {
		sleep(ctx, 250*time.Millisecond)
		g1, err := readMetrics(e, "go_goroutines")
		if err != nil {
			return fmt.Errorf("reading /metrics: %w", err)
		}
		after = int(g1["go_goroutines"])
		if after <= before+e.o.maxGoroutineGrowth {
			break
		}
	}
	e.transport.CloseIdleConnections()
	if rep.Server != nil {
		rep.Server.Goroutines = after
	}
	rep.check("no goroutine growth", after <= before+e.o.maxGoroutineGrowth,
		"%d goroutines before the load, %d after (bound +%d)", before, after, e.o.maxGoroutineGrowth)

	// Mail: wait for the queue to empty, then every sent email must be a file.
	var db *sql.DB
	if e.t.dbURL != "" {
		if db, err = openDB(e.t.dbURL); err != nil {
			return err
		}
		defer db.Close()
	}
	var queued int
	if db != nil {
		deadline := time.Now().Add(e.o.drainTimeout)
		for {
			counts, err := mailCounts(ctx, db)
			if err != nil {
				return err
			}
			queued = counts["queued"]
			if queued == 0 || time.Now().After(deadline) {
				break
			}
			sleep(ctx, 200*time.Millisecond)
		}
	}

	if e.t.own() {
		err := e.t.stop()
		ok := err == nil
		if rep.Server != nil {
			rep.Server.ExitOK = &ok
		}
		rep.check("server stopped cleanly", ok, "on SIGTERM: %v", errOrOK(err))
	}

	switch {
	case db == nil || e.t.mailDir == "":
		rep.Notes = append(rep.Notes, "mail delivery not checked: with --url, give --database-url and --mail-dir")
	default:
		counts, err := mailCounts(ctx, db)
		if err != nil {
			return err
		}
		files, err := countMail(e.t.mailDir)
		if err != nil {
			return err
		}
		ok := counts["queued"] == 0 && counts["failed"] == 0 && counts["sent"] == files
		rep.check("every queued email delivered", ok,
			"%d emails queued in all: %d sent, %d still queued, %d failed; %d message files",
			counts["queued"]+counts["sent"]+counts["failed"], counts["sent"], counts["queued"], counts["failed"], files)
	}

	if e.t.dialect == "sqlite" {
		res, err := integrityCheck(ctx, db)
		rep.check("database integrity", err == nil && res == "ok", "PRAGMA integrity_check: %s%v", res, errText(err))
	} else if e.t.dialect == "postgres" {
		rep.Notes = append(rep.Notes, "integrity check is SQLite's PRAGMA integrity_check; PostgreSQL keeps its own")
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return " " + err.Error()
}

// openDB opens the target's database for the soak's counts and checks.
func openDB(u string) (*sql.DB, error) {
	if path, ok := strings.CutPrefix(u, "sqlite:"); ok {
		path = strings.TrimPrefix(path, "//")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		return sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	}
	return sql.Open("pgx", u)
}

// mailCounts counts the queued emails by status.
func mailCounts(ctx context.Context, db *sql.DB) (map[string]int, error) {
	rows, err := db.QueryContext(ctx, `SELECT status, COUNT(*) FROM messages WHERE channel = 'email' GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("counting the outbox: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// integrityCheck runs SQLite's own consistency check over the whole file.
func integrityCheck(ctx context.Context, db *sql.DB) (string, error) {
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", err
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "; "), rows.Err()
}
