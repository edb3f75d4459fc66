package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/jackc/pgx/v5"
)

// Choosing the way of a member list (member_search.go): how many members each
// way would read, counted or estimated, and the total of a list.

// walkFrom returns the FROM of a walk in the page's order, and conditions
// that let SQLite start where the filter does when the order is the
// filter's own.
func (s memberRows) walkFrom(l *listQuery, a *args) (string, []string) {
	if s.db.dialect != SQLite {
		return "members m", nil
	}
	var extra []string
	if r, ok := roleRanks[l.f.Role]; ok && l.f.Sort == gatehouse.SortRole {
		extra = append(extra, roleRank+" = "+a.add(r))
	}
	if r, ok := stateRanks[l.f.State]; ok && l.f.Sort == gatehouse.SortState {
		extra = append(extra, stateRank+" = "+a.add(r))
	}
	return "members m INDEXED BY " + l.sk.index, extra
}

// filterFrom returns the FROM through which SQLite reaches the members with
// the role and state asked for, reading nothing else, and what, beyond the
// role and state themselves, makes it read only them.
func filterFrom(l *listQuery, a *args) (string, []string) {
	if l.f.Role != "" {
		return "members m INDEXED BY members_role_state", nil
	}
	// The state alone is not a prefix of members_role_state: its rank is one
	// of members_sort_state.
	return "members m INDEXED BY members_sort_state", []string{stateRank + " = " + a.add(stateRanks[l.f.State])}
}

// candidatesFrom returns PostgreSQL's FROM of the candidates way, with the
// conditions where inside it.
func (s memberRows) candidatesFrom(l *listQuery, a *args, where []string) string {
	where = append(where, pgSearch(l.q, a)...)
	// OFFSET 0 keeps the planner from walking an index in the page's order
	// with these conditions as a filter: that is the walk, taken with a
	// budget; this way reads the rows the conditions name.
	return `(SELECT * FROM members m WHERE ` + strings.Join(where, " AND ") + ` OFFSET 0) m`
}

// countUpTo counts the rows of query, but no more than limit + 1.
func (s memberRows) countUpTo(ctx context.Context, query string, limit int, a ...any) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+query+limitClause(limit+1)+`) t`, a...).Scan(&n)
	return n, err
}

// few reports whether the way w names at most the drive limit members for
// l (times more, when given): counted on SQLite, estimated by PostgreSQL's
// planner.
func (s memberRows) few(ctx context.Context, l *listQuery, w way, more ...int) (bool, error) {
	limit := s.db.driveLimit
	for _, m := range more {
		limit *= m
	}
	var a args
	var query string
	switch {
	case w == wayFilter:
		from, extra := filterFrom(l, &a)
		query = `SELECT 1 FROM ` + from + ` WHERE ` + strings.Join(append(l.filter(&a), extra...), " AND ")
	case s.db.dialect == SQLite:
		query = candidates(l.q, &a)
	default:
		where := append(l.filter(&a), s.match(l, &a))
		return s.estimateUpTo(ctx, `SELECT 1 FROM `+s.candidatesFrom(l, &a, where), a, limit)
	}
	n, err := s.countUpTo(ctx, query, limit, a...)
	return n <= limit, err
}

// estimateUpTo reports whether PostgreSQL's planner expects query to return
// at most limit rows.
func (s memberRows) estimateUpTo(ctx context.Context, query string, a args, limit int) (bool, error) {
	var plan string
	if err := s.queryRow(ctx, `EXPLAIN (FORMAT JSON) `+query, s.planned(a)...).Scan(&plan); err != nil {
		return false, err
	}
	var p []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &p); err != nil || len(p) == 0 {
		return false, err
	}
	return p[0].Plan.Rows <= float64(limit), nil
}

// planned returns the arguments of a member list query: on PostgreSQL with
// the mode that plans it for these values every time.
func (s memberRows) planned(a args) []any {
	if s.db.dialect == Postgres {
		return append([]any{pgx.QueryExecModeExec}, a...)
	}
	return a
}

// choose returns the way a page of l is found first and, for a walk with a
// budget, the member it must stop at.
func (s memberRows) choose(ctx context.Context, l *listQuery) (way, *memberCursor, error) {
	filtered := l.f.Role != "" || (l.f.State != "" && stateRanks[l.f.State] != 0)
	if l.q == "" {
		if s.db.dialect == SQLite && filtered {
			if few, err := s.few(ctx, l, wayFilter); err != nil || few {
				return wayFilter, nil, err
			}
		}
		return wayWalk, nil, nil
	}
	if s.db.dialect == Postgres && l.byUsername() && utf8.RuneCountInString(l.q) >= 3 {
		// Walk first: the planner's estimate of a LIKE cannot tell 4 matches
		// from 4,000 (350 for either at a million members), and a candidate
		// costs some 10 µs (a page of the table), a walked member 0.8 µs
		// (the username index alone). A walk of the budget fills the page
		// whenever more than one member in 400 matches, spread along the
		// order (a surname: 3,700 matches, 22,000 members walked, 18 ms
		// against 49 ms for its candidates), and costs a search that few
		// members match the budget's 10-16 ms before its candidates.
		l.budget = s.db.walkBudget
		if s.onPGCopy(l) && s.db.pgCopyPlan {
			// When the walk runs out, the copy's page costs 1-2 ms for
			// matches that gather (member_search_copy.go, pgCopyWalk).
			l.budget = min(l.budget, pgCopyWalk)
		}
		return wayWalk, nil, nil
	}
	if few, err := s.few(ctx, l, wayCandidates); err != nil || few {
		return wayCandidates, nil, err
	}
	if s.db.dialect == SQLite && filtered {
		if few, err := s.few(ctx, l, wayFilter); err != nil || few {
			return wayFilter, nil, err
		}
	}
	// Many candidates: walk, but no further than the walk budget's member of
	// the filter (no bound when fewer remain). PostgreSQL's walk in username
	// order, an index-only scan, counts its budget in the same pass instead
	// (pageQuery): finding that member first read the budget's members twice.
	if s.db.dialect == Postgres && l.byUsername() {
		l.budget = s.db.walkBudget
		return wayWalk, nil, nil
	}
	bound, err := s.walkBound(ctx, l)
	return wayWalk, bound, err
}

// walkBound returns the walk budget's member of the filter after the cursor,
// in the page's order, or nil when there are fewer. It reads the order's
// index alone.
func (s memberRows) walkBound(ctx context.Context, l *listQuery) (*memberCursor, error) {
	var a args
	from, extra := s.walkFrom(l, &a)
	where := append(l.filter(&a), extra...)
	if l.after != nil {
		where = append(where, l.keyset(&a, l.after, false))
	}
	var c memberCursor
	var text sql.NullString
	var num sql.NullInt64
	key := any(&num)
	if l.sk.text {
		key = &text
	}
	err := s.queryRow(ctx, `SELECT `+l.sk.expr+`, m.username_norm FROM `+from+` WHERE `+strings.Join(where, " AND ")+
		l.order()+limitClause(1)+` OFFSET `+strconv.Itoa(s.db.walkBudget-1), s.planned(a)...).Scan(key, &c.user)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	c.key = num.Int64
	if l.sk.text {
		c.key = text.String
	}
	return &c, err
}

// CountMatching counts the members of the organization f selects, whatever
// its order, cursor and limit: the total of a member list. With upTo > 0 it
// stops counting past upTo and then returns upTo and more: a search that many
// members match costs as much to count as there are matches to read (see
// docs/performance.md), and a page can say "more than 10,000" as well.
func (s memberRows) CountMatching(ctx context.Context, orgID string, f gatehouse.MemberFilter, upTo int) (int, bool, error) {
	const op = "sqlstore.CountMatching"
	f.Cursor, f.Sort, f.Desc = "", "", false
	l, err := newListQuery(op, orgID, f)
	if err != nil || l == nil {
		return 0, false, err
	}
	var a args
	where := l.filter(&a)
	if m := s.match(l, &a); m != "" {
		where = append(where, m)
	}
	from, copied := "members m", false
	filtered := l.f.Role != "" || (l.f.State != "" && stateRanks[l.f.State] != 0)
	// A count reads every member it counts, however it finds them: the
	// candidates are worth reading instead of scanning the organization up
	// to countMore times the drive limit.
	const countMore = 12
	switch {
	case s.db.dialect != SQLite:
		// Without an order the planner is free to read the rows the search
		// indexes name, or to scan until upTo are found; but it would compute
		// member_grams of every member it scans, so that condition is given
		// only when it names few members.
		if l.q == "" {
			break
		}
		if s.onPGCopy(l) {
			// The copy holds every column the count reads, in rows of
			// half the width (member_search_copy.go).
			a = args{}
			from, where, copied = "member_search_rows r", l.pgCopyWhere(&a), true
			break
		}
		if utf8.RuneCountInString(l.q) >= 3 {
			where = append(where, pgSearch(l.q, &a)...)
			break
		}
		few, err := s.few(ctx, l, wayCandidates, countMore)
		if err != nil {
			return 0, false, dbErr(op, err)
		}
		if few {
			where = append(where, pgSearch(l.q, &a)...)
		}
	case l.q != "":
		few, err := s.few(ctx, l, wayCandidates, countMore)
		if err != nil {
			return 0, false, dbErr(op, err)
		}
		if few {
			query, _ := sqliteCandidates(l, &a, where, 0)
			from, where = `(`+query+`) p`, nil
			break
		}
		if filtered {
			if few, err = s.few(ctx, l, wayFilter, countMore); err != nil || few {
				var extra []string
				from, extra = filterFrom(l, &a)
				where = append(where, extra...)
			}
		}
	case filtered:
		var extra []string
		from, extra = filterFrom(l, &a)
		where = append(where, extra...)
	}
	query := `SELECT 1 FROM ` + from
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	if upTo > 0 {
		query += limitClause(upTo + 1)
	}
	planned := s.planned(a)
	if copied {
		planned = s.copyPlanned(a)
	}
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+query+`) t`, planned...).Scan(&n); err != nil {
		return 0, false, dbErr(op, err)
	}
	if upTo > 0 && n > upTo {
		return upTo, true, nil
	}
	return n, false, nil
}
