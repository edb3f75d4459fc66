package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
)

// The search scenario: an organization of --members members, seeded straight
// into the database with the store's bulk insert (sqlstore.CreateMembers),
// searched and listed by an administrator the way the admin area and the API
// are used: half of the requests through the admin page with a session
// cookie, half through GET /api/v1/members with an API key; searches of every
// kind (names, parts, addresses, one or two characters, misses, long texts,
// parts that most members share) and lists filtered by role and state, some
// paged further with the API's cursor. After the measured time it times, in
// this process and on the same database, what the pages do not offer yet:
// each sort order of the list, and the total count.

// searchQuery is one search of the mix.
type searchQuery struct {
	class string
	text  string
	want  int // 1: finds someone; -1: finds nobody; 0: either
}

// searchEnv is what the search scenario's workers share.
type searchEnv struct {
	queries []searchQuery
	weights []int // per query, for drawing
	total   int
	cookie  string // the administrator's session, name=value
	apiKey  string
	admin   string   // the administrator's username
	ids     []string // a sample of the seeded members' ids
	// slowest is each search's longest answer in the measured time, by
	// "class, way: text", for the report's note of the slowest.
	slowMu  sync.Mutex
	slowest map[string]time.Duration
}

// noteTime keeps took as the search's longest answer.
func (se *searchEnv) noteTime(key string, took time.Duration) {
	se.slowMu.Lock()
	defer se.slowMu.Unlock()
	if se.slowest == nil {
		se.slowest = map[string]time.Duration{}
	}
	se.slowest[key] = max(se.slowest[key], took)
}

// slowNote names the n searches whose longest answers were the longest.
func (se *searchEnv) slowNote(n int) string {
	se.slowMu.Lock()
	defer se.slowMu.Unlock()
	keys := make([]string, 0, len(se.slowest))
	for k := range se.slowest {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return se.slowest[keys[i]] > se.slowest[keys[j]] })
	var parts []string
	for _, k := range keys[:min(n, len(keys))] {
		parts = append(parts, fmt.Sprintf("%s %.0f ms", k, float64(se.slowest[k].Microseconds())/1000))
	}
	return "slowest searches (class, way: text, longest answer): " + strings.Join(parts, "; ")
}

// The classes of the mix and how often each is drawn, out of 100.
var searchClasses = []struct {
	name   string
	weight int
}{
	{"name", 25}, {"part", 20}, {"address", 15}, {"short", 10}, {"miss", 10}, {"common", 8}, {"long", 6}, {"accented", 6},
}

// seedSearch puts n members into the default organization in batches and
// returns the scenario's administrator and queries, drawn from a sample of
// the members.
func (s *setup) seedSearch(ctx context.Context, rep *Report, n int, prefix string, progress func(string, ...any)) (*searchEnv, error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	hash, err := s.account.Hasher.Hash(ctx, "unused "+hex.EncodeToString(b[:]))
	if err != nil {
		return nil, err
	}
	g := newSeedGen(1, time.Now(), hash)
	g.prefix = prefix
	var sample []*gatehouse.Member
	every := max(1, n/4000)
	const batch = 50000
	start := time.Now()
	for done := 0; done < n; {
		size := min(batch, n-done)
		ms := make([]*gatehouse.Member, size)
		for i := range ms {
			ms[i] = g.member()
			if (done+i)%every == 0 {
				sample = append(sample, ms[i])
			}
		}
		if err := s.store.CreateMembers(ctx, ms); err != nil {
			return nil, fmt.Errorf("seeding members: %w", err)
		}
		done += size
		progress("seeded %d of %d members (%.0f/s)", done, n, float64(done)/time.Since(start).Seconds())
	}
	took := time.Since(start)
	rep.Seed = &SeedReport{Members: n, Seconds: round(took.Seconds(), 1), PerSec: round(float64(n)/took.Seconds(), 0)}

	return s.searchEnv(ctx, sample)
}

// seededSearch returns the scenario's administrator and queries for members
// a run with --keep seeded in t's schema (--seeded): the queries are drawn
// from a sample of them, as seedSearch draws them from the members it makes,
// and a new administrator and API key are made for this run.
func (s *setup) seededSearch(ctx context.Context, t *target) (*searchEnv, error) {
	db, err := sql.Open("pgx", t.dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// The seeded members' order is the generator's (random): the first 4,000
	// of a repeatable sample of the table's pages stand for them.
	rows, err := db.QueryContext(ctx, `SELECT id, username, display_name, email, work_email
		FROM members TABLESAMPLE SYSTEM (2) REPEATABLE (14) WHERE org_id = $1 AND role = 'member' LIMIT 4000`, gatehouse.DefaultOrgID)
	if err != nil {
		return nil, fmt.Errorf("sampling the seeded members: %w", err)
	}
	defer rows.Close()
	var sample []*gatehouse.Member
	for rows.Next() {
		m := &gatehouse.Member{}
		if err := rows.Scan(&m.ID, &m.Username, &m.DisplayName, &m.Email, &m.WorkEmail); err != nil {
			return nil, err
		}
		sample = append(sample, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(sample) < 400 {
		return nil, fmt.Errorf("--seeded: the schema holds %d members to draw searches from; seed it with --keep first", len(sample))
	}
	return s.searchEnv(ctx, sample)
}

// searchEnv makes this run's administrator and API key and the mix of
// searches drawn from sample.
func (s *setup) searchEnv(ctx context.Context, sample []*gatehouse.Member) (*searchEnv, error) {
	se := &searchEnv{admin: s.prefix + "-admin"}
	_, _, err := s.app.Admin.CreateMember(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{IP: "gatehouse-load"}, gatehouse.NewMember{
		OrgID: gatehouse.DefaultOrgID, Username: se.admin, Email: se.admin + "@load.example.com", DisplayName: "Load administrator",
		Role: gatehouse.RoleAdministrator, Password: loadPassword,
	})
	if err != nil {
		return nil, fmt.Errorf("creating the administrator: %w", err)
	}
	if se.apiKey, _, err = s.app.APIKeys.Create(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{IP: "gatehouse-load"},
		gatehouse.DefaultOrgID, s.prefix+"-search", gatehouse.RoleAdministrator); err != nil {
		return nil, fmt.Errorf("creating an API key: %w", err)
	}
	se.queries = searchQueries(sample, mrand.New(mrand.NewPCG(2, 3)))
	for _, m := range sample {
		se.ids = append(se.ids, m.ID)
	}
	weight := map[string]int{}
	count := map[string]int{}
	for _, q := range se.queries {
		count[q.class]++
	}
	for _, c := range searchClasses {
		weight[c.name] = c.weight
	}
	for _, q := range se.queries {
		// Each class gets its share of the draws, whatever its number of queries.
		w := weight[q.class] * 1000 / max(1, count[q.class])
		se.weights = append(se.weights, w)
		se.total += w
	}
	return se, nil
}

// searchQueries makes the mix from a sample of the seeded members.
func searchQueries(sample []*gatehouse.Member, r *mrand.Rand) []searchQuery {
	var qs []searchQuery
	add := func(class, text string, want int) {
		if strings.TrimSpace(text) != "" && len(text) <= 200 {
			qs = append(qs, searchQuery{class, text, want})
		}
	}
	for i, m := range sample {
		if i >= 400 {
			break
		}
		words := strings.Fields(m.DisplayName)
		if len(words) > 0 {
			add("name", words[len(words)-1], 1)
			if i%3 == 0 {
				add("name", m.DisplayName, 1)
			}
		}
		u := []rune(m.Username)
		add("part", string(u[:min(len(u), 3+r.IntN(4))]), 1)
		if len(words) > 0 {
			w := []rune(words[0])
			if len(w) > 3 {
				add("part", string(w[1:len(w)-1]), 1)
			}
		}
		if m.Email != "" {
			add("address", m.Email, 1)
		}
		if m.WorkEmail != "" {
			add("address", strings.ToUpper(m.WorkEmail[:1])+m.WorkEmail[1:], 1)
			add("long", m.WorkEmail, 1)
		}
		if len(u) > 0 {
			add("short", string(u[:1]), 0)
			if len(u) > 1 {
				add("short", string(u[:2]), 0)
			}
		}
		for _, w := range words {
			if w != strings.ToLower(w) && strings.ContainsFunc(w, func(c rune) bool { return c >= utf8.RuneSelf }) {
				add("accented", strings.ToLower(w), 1)
			}
		}
		add("miss", fmt.Sprintf("no-such-person-%d", r.IntN(1000000)), -1)
		add("long", fmt.Sprintf("a long search for someone who works in accounts payable, %d", r.IntN(1000)), -1)
	}
	// One or two characters that few members have, and parts most share.
	for _, t := range []string{"zq", "qx", "ø", "ß", "李", "ё", "7z"} {
		add("short", t, 0)
	}
	for _, t := range []string{"northwind", "traders.com", ".com", "@gmail", "son", "an", "mail"} {
		add("common", t, 1)
	}
	return qs
}

// pick draws a query of the mix.
func (se *searchEnv) pick(r *mrand.Rand) searchQuery {
	x := r.IntN(se.total)
	for i, w := range se.weights {
		if x < w {
			return se.queries[i]
		}
		x -= w
	}
	return se.queries[len(se.queries)-1]
}

// listFilters are the role and state filters of the list, "" for none, as an
// administrator uses them: most often the state.
var listFilters = [][2]string{
	{"", "disabled"}, {"", "never_activated"}, {"", "expired"}, {"", "active"}, {"administrator", ""}, {"owner", ""},
	{"member", "disabled"}, {"member", "active"}, {"administrator", "active"}, {"member", ""},
}

// openAdmin signs the scenario's administrator in through the form.
func (e *env) openAdmin() error {
	b := e.newBrowser()
	b.keepSession = true
	if _, err := b.get("/login"); err != nil {
		return err
	}
	a, err := b.post("/login", url.Values{"identifier": {e.search.admin}, "password": {loadPassword}})
	if err != nil {
		return err
	}
	name, value := b.cookie("session")
	if a.status != http.StatusSeeOther || name == "" {
		return fmt.Errorf("signing the administrator in: %d to %q", a.status, a.location)
	}
	e.search.cookie = name + "=" + value
	return nil
}

// searchWorker searches and lists, in turn through the admin page and the
// API, as an administrator would.
func (e *env) searchWorker(ctx context.Context, id int, r *recs) {
	se := e.search
	ip := "X-Forwarded-For: " + newIP()
	page := e.raw("/admin/members", nil)
	page.keepBody = true
	api := e.raw("/api/v1/members", nil)
	api.keepBody = true
	pageHeaders := []string{"Cookie: " + se.cookie, ip}
	apiHeaders := []string{"Authorization: Bearer " + se.apiKey, ip}
	rng := mrand.New(mrand.NewPCG(uint64(id), 14))
	var cursor, cursorFilter string // the API's next page of the last list
	for i := id; !done(ctx); i++ {
		switch i % 4 {
		case 0, 2:
			q := se.pick(rng)
			v := url.Values{"query": {q.text}}.Encode()
			c, path, headers, via := page, "/admin/members?"+v, pageHeaders, "search, admin page"
			if i%4 == 2 {
				c, path, headers, via = api, "/api/v1/members?"+v, apiHeaders, "search, API"
			}
			start := time.Now()
			st, err := c.get(path, headers)
			took := time.Since(start)
			if done(ctx) {
				return
			}
			good := st == http.StatusOK && found(c, q.want, i%4 == 2)
			for _, name := range []string{"search", via, "search: " + q.class} {
				r.get(name).record(took, st, err, good)
			}
			if r.counting.Load() {
				se.noteTime(fmt.Sprintf("%s, %s: %q", q.class, strings.TrimPrefix(via, "search, "), q.text), took)
			}
		default:
			f := listFilters[rng.IntN(len(listFilters))]
			v := url.Values{}
			if f[0] != "" {
				v.Set("role", f[0])
			}
			if f[1] != "" {
				v.Set("state", f[1])
			}
			c, path, headers, via := page, "/admin/members?"+v.Encode(), pageHeaders, "filtered list, admin page"
			if i%4 == 3 {
				if cursor != "" && rng.IntN(2) == 0 {
					v, _ = url.ParseQuery(cursorFilter)
					v.Set("cursor", cursor)
					via = "filtered list, API, a later page"
				} else {
					via = "filtered list, API"
				}
				c, path, headers = api, "/api/v1/members?"+v.Encode(), apiHeaders
			}
			start := time.Now()
			st, err := c.get(path, headers)
			took := time.Since(start)
			if done(ctx) {
				return
			}
			if i%4 == 3 {
				v.Del("cursor")
				cursor, cursorFilter = nextCursor(c.body.String()), v.Encode()
			}
			for _, name := range []string{"filtered list", via} {
				r.get(name).record(took, st, err, st == http.StatusOK)
			}
		}
	}
}

// found checks an answer against what its query must find: someone, nobody,
// or either.
func found(c *rawClient, want int, api bool) bool {
	body := c.body.String()
	some := strings.Contains(body, `"id": "`)
	if !api {
		some = !strings.Contains(body, "No member matches.")
	}
	switch want {
	case 1:
		return some
	case -1:
		return !some
	}
	return true
}

// nextCursor reads next_cursor from an API list.
func nextCursor(body string) string {
	_, rest, ok := strings.Cut(body, `"next_cursor": "`)
	if !ok {
		return ""
	}
	c, _, _ := strings.Cut(rest, `"`)
	return c
}
