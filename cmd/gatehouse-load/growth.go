package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// The growth scenario says how the cost of the common requests grows with the
// size of the organization: it seeds --members members as the search
// scenario does, then times each request one at a time, with the server
// otherwise idle, so that the figures are latencies, not queueing. Run it at
// 1,000, 100,000 and 1,000,000 members and compare.

// growthRounds is how often each request is timed.
var growthRounds = map[string]int{
	"sign-in": 20, "session check": 500, "member search": 100, "member page": 100, "audit page": 100, "member list page": 50,
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
	rep.Ops = opsOf(all, time.Since(start).Seconds(), "sign-in", "session check", "member search", "member list page", "member page", "audit page")
	judgeErrors(rep)
	rep.Notes = append(rep.Notes, fmt.Sprintf("one request at a time, %d members; the audit log holds what the run itself wrote (its sign-ins), not millions of events", e.o.members))
	return nil
}
