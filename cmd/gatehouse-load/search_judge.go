package main

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// Judging the member search: its figures against the targets, and the
// database's own timings of the queries behind it.

// judgeSearch sets the search scenario's targets and times the sort orders
// and counts in this process.
func (e *env) judgeSearch(ctx context.Context, rep *Report, st *sqlstore.Store) {
	for _, t := range []struct{ op, want string }{{"search", "50"}, {"filtered list", "30"}} {
		op := rep.op(t.op)
		if op == nil {
			continue
		}
		var limit float64
		fmt.Sscan(t.want, &limit)
		rep.target(fmt.Sprintf("%s p95 at %d members", t.op, e.o.members), "< "+t.want+" ms",
			fmt.Sprintf("%.2f ms (p50 %.2f, p99 %.2f)", op.P95ms, op.P50ms, op.P99ms), op.P95ms < limit)
	}
	if e.search != nil {
		rep.Notes = append(rep.Notes, e.search.slowNote(12))
	}
	if st != nil && !e.o.noStore {
		rep.StoreTimings = e.storeTimings(ctx, st)
	}
}

// storeTimings times each sort order of the list, a page deep in it, a
// filtered page, and the total counts, through the store as the server would
// call it, some runs each.
func (e *env) storeTimings(ctx context.Context, st *sqlstore.Store) []StoreTiming {
	type job struct {
		name  string
		f     gatehouse.MemberFilter
		count bool
		upTo  int // count up to this (0: exactly)
		pages int // follow the cursor this many pages first
	}
	var jobs []job
	for _, s := range gatehouse.MemberSorts {
		for _, desc := range []bool{false, true} {
			name := "sort " + string(s)
			if desc {
				name += " descending"
			}
			f := gatehouse.MemberFilter{Sort: s, Desc: desc}
			jobs = append(jobs, job{name: name, f: f})
			if !desc {
				jobs = append(jobs, job{name: name + ", 20th page", f: f, pages: 19},
					job{name: name + ", state disabled", f: gatehouse.MemberFilter{Sort: s, State: gatehouse.StateDisabled}})
			}
		}
	}
	name, common := "smith", "northwind"
	for _, q := range e.search.queries {
		if q.class == "name" {
			name = q.text
			break
		}
	}
	for _, c := range []struct {
		name string
		f    gatehouse.MemberFilter
	}{
		{"count all", gatehouse.MemberFilter{}},
		{"count state disabled", gatehouse.MemberFilter{State: gatehouse.StateDisabled}},
		{"count role member", gatehouse.MemberFilter{Role: gatehouse.RoleMember}},
		{"count search " + fmt.Sprintf("%q", name), gatehouse.MemberFilter{Query: name}},
		{"count search \"zq\"", gatehouse.MemberFilter{Query: "zq"}},
		{"count search \"no-such-person\"", gatehouse.MemberFilter{Query: "no-such-person"}},
		{"count search \"an\"", gatehouse.MemberFilter{Query: "an"}},
		{"count search " + fmt.Sprintf("%q", common), gatehouse.MemberFilter{Query: common}},
	} {
		jobs = append(jobs, job{name: c.name, f: c.f, count: true},
			job{name: c.name + ", up to 10,000", f: c.f, count: true, upTo: 10000})
	}
	var out []StoreTiming
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		runs := 9
		if j.count && j.upTo == 0 {
			runs = 5 // an exact count of a common part takes seconds
		}
		f := j.f
		for range j.pages {
			_, next, err := st.ListMembers(ctx, gatehouse.DefaultOrgID, f)
			if err != nil || next == "" {
				break
			}
			f.Cursor = next
		}
		var ds []time.Duration
		n := 0
		var failed error
		for range runs {
			start := time.Now()
			if j.count {
				n, _, failed = st.CountMatching(ctx, gatehouse.DefaultOrgID, f, j.upTo)
			} else {
				var ms []*gatehouse.Member
				ms, _, failed = st.ListMembers(ctx, gatehouse.DefaultOrgID, f)
				n = len(ms)
			}
			ds = append(ds, time.Since(start))
			if failed != nil {
				break
			}
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		t := StoreTiming{Name: j.name, Runs: len(ds), Rows: n, P50ms: ms(ds[len(ds)/2]), MaxMs: ms(ds[len(ds)-1])}
		if failed != nil {
			t.Error = failed.Error()
		}
		out = append(out, t)
	}
	return out
}

// analyze has PostgreSQL vacuum the seeded tables (members and its search
// copy, member_search_rows) and gather their statistics at once, as its
// autovacuum would soon after such a load: the planner chooses how to search
// with the statistics, and a walk of the username index reads no table page
// only once VACUUM has marked them all visible.
func analyze(ctx context.Context, t *target) error {
	if t.dialect != "postgres" {
		return nil
	}
	db, err := sql.Open("pgx", t.dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `VACUUM ANALYZE members, member_search_rows`)
	return err
}
