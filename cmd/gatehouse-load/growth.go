package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// The growth scenario says how the cost of the common requests grows with the
// size of the organization: it seeds --members members as the search
// scenario does, then times each request one at a time, with the server
// otherwise idle, so that the figures are latencies, not queueing. Run it at
// 1,000, 100,000 and 1,000,000 members and compare. With --audit-events it
// first fills the organization's audit log in bulk (sqlstore.CreateAuditEvents),
// so that the audit page is timed over a log of that length: its first page,
// and pages filtered by event type, by member and by one day.

// auditSpan is how far back the seeded audit events go.
const auditSpan = 180 * 24 * time.Hour

// auditChunk is how many events one insert writes: a few seconds' work each,
// so that the progress moves.
const auditChunk = 1000000

// seedAudit writes n audit events about and by the members of ids (a
// sample of those seeded) over the last auditSpan, then has PostgreSQL
// vacuum and analyze the table, as after seeding members.
func (s *setup) seedAudit(ctx context.Context, t *target, rep *Report, n int, ids []string, prefix string, progress func(string, ...any)) error {
	var ms []*gatehouse.Member
	for _, id := range ids {
		m, err := s.store.Member(ctx, gatehouse.DefaultOrgID, id)
		if err != nil {
			return fmt.Errorf("the members of the audit events: %w", err)
		}
		ms = append(ms, m)
	}
	start := time.Now()
	seed := sqlstore.AuditSeed{OrgID: gatehouse.DefaultOrgID, Members: ms, Prefix: prefix + s.prefix + "-ev",
		From: start.Add(-auditSpan), Step: max(time.Microsecond, auditSpan/time.Duration(n))}
	for seed.First = 0; seed.First < n; seed.First += seed.Count {
		seed.Count = min(auditChunk, n-seed.First)
		if err := s.store.CreateAuditEvents(ctx, seed); err != nil {
			return fmt.Errorf("seeding audit events: %w", err)
		}
		done := seed.First + seed.Count
		progress("seeded %d of %d audit events (%.0f/s)", done, n, float64(done)/time.Since(start).Seconds())
	}
	if t.dialect == "postgres" {
		progress("VACUUM ANALYZE audit_events")
		db, err := sql.Open("pgx", t.dbURL)
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `VACUUM ANALYZE audit_events`); err != nil {
			return fmt.Errorf("VACUUM ANALYZE audit_events: %w", err)
		}
	}
	took := time.Since(start)
	rep.Seed.AuditEvents, rep.Seed.AuditSeconds, rep.Seed.AuditPerSec = n, round(took.Seconds(), 1), round(float64(n)/took.Seconds(), 0)
	return nil
}

// growthRounds is how often each request is timed.
var growthRounds = map[string]int{
	"sign-in": 20, "session check": 500, "member search": 100, "member page": 100, "audit page": 100, "member list page": 50,
	"audit page, by type": 50, "audit page, by member": 50, "audit page, one day": 50,
}

// runGrowth times the requests and reports them as ops.
func (e *env) runGrowth(ctx context.Context, rep *Report) error {
	se := e.search
	all := map[string]*recorder{}
	rec := func(name string) *recorder {
		if all[name] == nil {
			all[name] = newRecorder()
		}
		return all[name]
	}
	start := time.Now()
	// Sign-in: the whole form post, each a new session, its hash included.
	b := e.newBrowser()
	if _, err := b.get("/login"); err != nil {
		return err
	}
	for range growthRounds["sign-in"] {
		t0 := time.Now()
		a, err := b.post("/login", url.Values{"identifier": {se.admin}, "password": {loadPassword}})
		rec("sign-in").record(time.Since(t0), a.status, err, err == nil && a.status == http.StatusSeeOther)
	}
	cookie := []string{"Cookie: " + se.cookie, "X-Forwarded-For: " + newIP()}
	api := []string{"Authorization: Bearer " + se.apiKey, "X-Forwarded-For: " + newIP()}
	timeGet := func(name, path string, headers []string) {
		c := e.raw(path, headers)
		t0 := time.Now()
		st, err := c.do()
		rec(name).record(time.Since(t0), st, err, st == http.StatusOK)
		c.close()
	}
	session := e.raw("/api/v1/session", cookie)
	for range growthRounds["session check"] {
		t0 := time.Now()
		st, err := session.do()
		rec("session check").record(time.Since(t0), st, err, st == http.StatusOK)
	}
	for i := range growthRounds["member search"] {
		q := se.queries[i%len(se.queries)]
		timeGet("member search", "/api/v1/members?"+url.Values{"query": {q.text}}.Encode(), api)
	}
	for i := range growthRounds["member list page"] {
		timeGet("member list page", fmt.Sprintf("/admin/members?state=%s", []string{"active", "disabled", "never_activated"}[i%3]), cookie)
	}
	for i := range growthRounds["member page"] {
		timeGet("member page", "/admin/members/"+se.ids[i%len(se.ids)], cookie)
	}
	for range growthRounds["audit page"] {
		timeGet("audit page", "/admin/audit", cookie)
	}
	// A rare type (one seeded event in twenty), a member's events (one
	// seeded member of the sample's), a day three months back.
	for range growthRounds["audit page, by type"] {
		timeGet("audit page, by type", "/admin/audit?type=member.updated", cookie)
	}
	for i := range growthRounds["audit page, by member"] {
		timeGet("audit page, by member", "/admin/audit?member="+se.ids[(i*7)%len(se.ids)], cookie)
	}
	day := start.Add(-auditSpan / 2).UTC().Format("2006-01-02")
	for range growthRounds["audit page, one day"] {
		timeGet("audit page, one day", "/admin/audit?since="+day+"&until="+day, cookie)
	}
	rep.Ops = opsOf(all, time.Since(start).Seconds(), "sign-in", "session check", "member search", "member list page", "member page",
		"audit page", "audit page, by type", "audit page, by member", "audit page, one day")
	judgeErrors(rep)
	log := "what the run itself wrote (its sign-ins); seed it with --audit-events"
	if e.o.auditEvents > 0 {
		log = fmt.Sprintf("%d events seeded in bulk over the last %d days, and the run's own", e.o.auditEvents, int(auditSpan.Hours()/24))
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("one request at a time, %d members; the audit log holds %s", e.o.members, log))
	return nil
}
