package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
)

// The member list of the admin area and the API: search, filters, sort orders
// and the total count (the cursors are in member_cursor.go).
//
// A member matches a query when the query, normalized as identifiers are
// (gatehouse.NormalizeIdentifier), is a part of the normalized username,
// display name, personal or work email, as it has always been: `column LIKE
// '%q%' ESCAPE '\'` with LIKE's own wildcards escaped (on PostgreSQL the same
// test as `strpos(column, q) > 0`). Every way of finding the rows below ends
// in that test, so the results are exactly those of a scan; what differs is
// how many rows are read to find them. There are three ways:
//
//   - candidates: the members a search index names for the query, then sorted.
//     SQLite: a full-text index with the trigram tokenizer (member_search),
//     whose terms also serve queries of one or two characters
//     (member_search_terms). PostgreSQL: pg_trgm GIN indexes on the four
//     columns, and for one or two characters a GIN index of every character
//     and pair of characters of them (member_grams).
//   - filter (SQLite): the members with the role and state asked for, through
//     an index on them, then sorted. PostgreSQL's planner does this itself.
//   - walk: the index of the page's order, from the cursor on, checking each
//     member until the page is full.
//
// Candidates and filter cost as many rows as they name; the walk as many as
// it must read before the page is full: few when many members match, unless
// the matches gather far along the order (a search for a first name, by
// username). So a search takes the candidates when they are few (at most
// driveLimit: counted exactly on SQLite, estimated by the planner on
// PostgreSQL); otherwise it walks at most a budget of members of the filter,
// and when that does not fill the page it takes the candidates after all. A
// list without a search walks (SQLite: or filters, when few members have the
// role and state asked for).
//
// On PostgreSQL each query is planned for its own values
// (pgx.QueryExecModeExec): a plan made once for every text would be wrong for
// most of them.

// defaultDriveLimit is the most members the candidates or filter way is taken
// for without trying a walk first. At a million members on the project's
// 2-core machine a candidate costs some 10 µs (a page of member_search_rows
// read from the file cache), so 4,000 cost about 40 ms.
const defaultDriveLimit = 4000

// defaultWalkBudget is how many members of the filter a search walks before
// it takes the candidates instead. Walking the username order reads its
// index alone, some 0.5 µs a member: 20,000 cost about 10 ms and fill a page
// whenever more than one member in 400 matches and the matches are spread.
// The other orders read each walked member's row: such a walk costs as much
// as the candidates, and searches are shown in username order.
const defaultWalkBudget = 20000

// walkOnLimit is the most members a walk of a query of one or two characters
// goes on to when its budget found some matches but not a page (listMembers):
// at most some 100 ms, a third of its candidates' cost when they are 30,000.
const walkOnLimit = 100000

// sortKey is how one gatehouse.MemberSort is stored and found.
type sortKey struct {
	expr  string // the key as a SQL expression on members m, as its index has it
	index string // the index on (org_id, expr, username_norm, role, state)
	text  bool   // a text key; else an integer
}

// The rank expressions order roles by power and states by the life of an
// account. Their text must stay identical to the indexes of migration 0010.
const (
	roleRank  = `(CASE m.role WHEN 'member' THEN 1 WHEN 'administrator' THEN 2 WHEN 'owner' THEN 3 ELSE 4 END)`
	stateRank = `(CASE m.state WHEN 'never_activated' THEN 1 WHEN 'active' THEN 2 WHEN 'expired' THEN 3 WHEN 'disabled' THEN 4 ELSE 5 END)`
)

var sortKeys = map[gatehouse.MemberSort]sortKey{
	gatehouse.SortUsername:        {"m.username_norm", "members_sort_username", true},
	gatehouse.SortName:            {"m.display_name_norm", "members_sort_name", true},
	gatehouse.SortEmail:           {"m.email_norm", "members_sort_email", true},
	gatehouse.SortRole:            {roleRank, "members_sort_role", false},
	gatehouse.SortState:           {stateRank, "members_sort_state", false},
	gatehouse.SortLastSignIn:      {"COALESCE(m.last_signin_at, 0)", "members_sort_signin", false},
	gatehouse.SortPasswordChanged: {"COALESCE(m.password_changed_at, 0)", "members_sort_password", false},
}

// roleRanks and stateRanks are the values of roleRank and stateRank.
var (
	roleRanks  = map[gatehouse.Role]int{gatehouse.RoleMember: 1, gatehouse.RoleAdministrator: 2, gatehouse.RoleOwner: 3}
	stateRanks = map[gatehouse.State]int{
		gatehouse.StateNeverActivated: 1, gatehouse.StateActive: 2, gatehouse.StateExpired: 3, gatehouse.StateDisabled: 4,
	}
)

// memberGrams is PostgreSQL's index expression of every character and pair of
// characters of the four columns (migration 0010).
const memberGrams = `member_grams(m.username_norm, m.display_name_norm, m.email_norm, m.work_email_norm)`

// way is how a member list finds its members.
type way int

const (
	wayWalk way = iota
	wayFilter
	wayCandidates
)

// listQuery is a member list or count being planned.
type listQuery struct {
	orgID string
	f     gatehouse.MemberFilter
	q     string // the normalized query
	sk    sortKey
	after *memberCursor // the page starts after it; nil for the first
	limit int
	// budget, when set, is the most members PostgreSQL's walk in username
	// order reads (choose); 0: to the end.
	budget int
}

// newListQuery checks f and returns its query, or nil when nothing can match.
func newListQuery(op, orgID string, f gatehouse.MemberFilter) (*listQuery, error) {
	if f.Sort == "" {
		f.Sort = gatehouse.SortUsername
	}
	l := &listQuery{orgID: orgID, f: f, q: gatehouse.NormalizeIdentifier(f.Query), limit: pageLimit(f.Limit)}
	var ok bool
	if l.sk, ok = sortKeys[f.Sort]; !ok {
		return nil, gatehouse.Errorf(gatehouse.Invalid, op, "unknown sort order %q", f.Sort)
	}
	if f.Cursor != "" {
		c, err := parseMemberCursor(op, f.Cursor, f.Sort, f.Desc, l.sk.text)
		if err != nil {
			return nil, err
		}
		l.after = c
	}
	if strings.IndexByte(l.q, 0) >= 0 {
		// No stored text holds a NUL, and PostgreSQL refuses one in a query.
		return nil, nil
	}
	return l, nil
}

// filter returns the conditions on the organization, role and state.
func (l *listQuery) filter(a *args) []string {
	where := []string{"m.org_id = " + a.add(l.orgID)}
	if l.f.Role != "" {
		where = append(where, "m.role = "+a.add(string(l.f.Role)))
	}
	if l.f.State != "" {
		where = append(where, "m.state = "+a.add(string(l.f.State)))
	}
	return where
}

// byUsername reports whether the page's order is the username's: in the
// order of usernames, or of roles or states with a filter on one of them,
// which leaves the username to order by (and SQLite would otherwise sort).
func (l *listQuery) byUsername() bool {
	_, role := roleRanks[l.f.Role]
	_, state := stateRanks[l.f.State]
	return l.f.Sort == gatehouse.SortUsername || (l.f.Sort == gatehouse.SortRole && role) || (l.f.Sort == gatehouse.SortState && state)
}

// keyset returns the condition that a member comes after c in the order
// (before it, with before), as a range of the order's index.
func (l *listQuery) keyset(a *args, c *memberCursor, before bool) string {
	cmp := ">"
	if l.f.Desc != before {
		cmp = "<"
	}
	if before {
		cmp += "="
	}
	if l.byUsername() {
		return "m.username_norm " + cmp + " " + a.add(c.user)
	}
	return "(" + l.sk.expr + ", m.username_norm) " + cmp + " (" + a.add(c.key) + ", " + a.add(c.user) + ")"
}

// order returns the ORDER BY of the page.
func (l *listQuery) order() string {
	dir := ""
	if l.f.Desc {
		dir = " DESC"
	}
	if l.byUsername() {
		return " ORDER BY m.username_norm" + dir
	}
	return " ORDER BY " + l.sk.expr + dir + ", m.username_norm" + dir
}

// ListMembers returns a page of the members f selects, in f's order (by
// username when f.Sort is ""), and the cursor of the next page ("" after the
// last). Limit defaults to 50 and is capped at 500. A cursor made for another
// order, or not made here, is Invalid.
func (s memberRows) ListMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter) ([]*gatehouse.Member, string, error) {
	const op = "sqlstore.ListMembers"
	l, err := newListQuery(op, orgID, f)
	if err != nil || l == nil {
		return nil, "", err
	}
	ms, next, err := s.listMembers(ctx, l)
	return ms, next, dbErr(op, err)
}

func (s memberRows) listMembers(ctx context.Context, l *listQuery) ([]*gatehouse.Member, string, error) {
	if s.db.dialect == SQLite && l.byUsername() && utf8.RuneCountInString(l.q) >= 3 && s.db.inOrder {
		return s.searchInOrder(ctx, l)
	}
	w, bound, err := s.choose(ctx, l)
	if err != nil {
		return nil, "", err
	}
	ms, next, err := s.page(ctx, l, w, bound)
	if err != nil || (bound == nil && l.budget == 0) || next != "" {
		return ms, next, err
	}
	if walked := l.budget; walked > 0 && s.db.dialect == Postgres && s.db.pgCopyPlan && utf8.RuneCountInString(l.q) < 3 && len(ms) > 0 {
		// A query of one or two characters whose walk found some matches,
		// but not a page: its matches gather further along (je: 46 in the
		// first 20,000 usernames, 30,110 in all, most under je...), where
		// the walk goes on at its pace, 0.5-1.5 µs a member, against
		// some 10 µs for each of its candidates from the table. So it walks
		// on, twice as far as the matches found so far promise a page.
		l.budget = min(walked*2*(l.limit+1)/len(ms), walkOnLimit)
		if ms, next, err = s.page(ctx, l, w, bound); err != nil || next != "" {
			return ms, next, err
		}
	}
	l.budget = 0
	if l.byUsername() && s.onPGCopy(l) {
		// PostgreSQL: the candidates and their usernames from the narrow
		// copy (member_search_copy.go), and only the page from members.
		query, a := s.pgCopyPage(l)
		return s.scanRows(ctx, l, query, s.copyPlanned(a))
	}
	// The walk's budget ran out before the page was full: the matches are
	// gathered further along the order, and the candidates are read after
	// all. On PostgreSQL a query of one or two characters names its
	// candidates by member_grams, which a planner that expects many of them
	// would compute for every member of a scan (47 s at a million): then the
	// walk goes on to the end instead.
	if s.db.dialect == Postgres && utf8.RuneCountInString(l.q) < 3 {
		if few, err := s.few(ctx, l, wayCandidates, 20); err != nil || !few {
			return s.page(ctx, l, wayWalk, nil)
		}
	}
	return s.page(ctx, l, wayCandidates, nil)
}

// pageQuery returns the query of a page of l found the way w; with bound, a
// walk goes no further than it. Its rows are the member, the sort key and
// the normalized username.
func (s memberRows) pageQuery(l *listQuery, w way, bound *memberCursor) (string, args) {
	var a args
	where := l.filter(&a)
	if m := s.match(l, &a); m != "" {
		where = append(where, m)
	}
	if l.after != nil {
		where = append(where, l.keyset(&a, l.after, false))
	}
	if bound != nil {
		where = append(where, l.keyset(&a, bound, true))
	}
	page := limitClause(l.limit + 1)
	switch {
	case w == wayCandidates && s.db.dialect == SQLite:
		inner, _ := sqliteCandidates(l, &a, where, l.limit+1)
		dir := ""
		if l.f.Desc {
			dir = " DESC"
		}
		order := " ORDER BY p.k" + dir + ", p.u" + dir
		if l.byUsername() {
			order = " ORDER BY p.u" + dir
		}
		return `SELECT ` + memberCols + `, p.k, p.u FROM (` + inner + `) p CROSS JOIN members m ON m.id = p.id` + order, a
	case w == wayCandidates:
		return `SELECT ` + memberCols + `, ` + l.sk.expr + `, m.username_norm FROM ` + s.candidatesFrom(l, &a, where) +
			l.order() + page, a
	case w == wayWalk && s.db.dialect == Postgres && l.byUsername() && l.budget > 0:
		// The budget's members of the filter from the cursor on, then those of
		// them that match: one pass of the username index, which holds every
		// field the conditions read.
		var b args
		walked := l.filter(&b)
		if l.after != nil {
			walked = append(walked, l.keyset(&b, l.after, false))
		}
		inner := `SELECT m.id, m.username_norm, m.display_name_norm, m.email_norm, m.work_email_norm FROM members m WHERE ` +
			strings.Join(walked, " AND ") + l.order() + limitClause(l.budget)
		return `SELECT ` + memberCols + `, ` + l.sk.expr + `, m.username_norm FROM (SELECT m.id FROM (` + inner + `) m WHERE ` +
			s.match(l, &b) + l.order() + page + `) w JOIN members m ON m.id = w.id` + l.order(), b
	case w == wayWalk && s.db.dialect == Postgres && l.byUsername():
		// The username index holds every field the conditions read and the
		// id: the walk is an index-only scan, and only the page's members are
		// read from the table.
		return `SELECT ` + memberCols + `, ` + l.sk.expr + `, m.username_norm FROM (SELECT m.id FROM members m WHERE ` +
			strings.Join(where, " AND ") + l.order() + page + `) w JOIN members m ON m.id = w.id` + l.order(), a
	}
	var from string
	var extra []string
	if w == wayFilter {
		from, extra = filterFrom(l, &a)
	} else {
		from, extra = s.walkFrom(l, &a)
	}
	where = append(where, extra...)
	return `SELECT ` + memberCols + `, ` + l.sk.expr + `, m.username_norm FROM ` + from +
		` WHERE ` + strings.Join(where, " AND ") + l.order() + page, a
}

// page runs the query of a page and returns its members and the next
// page's cursor.
func (s memberRows) page(ctx context.Context, l *listQuery, w way, bound *memberCursor) ([]*gatehouse.Member, string, error) {
	query, a := s.pageQuery(l, w, bound)
	return s.scanPage(ctx, l, query, a)
}

// scanPage runs query, whose rows are a member, its sort key and its
// normalized username, and returns the members of the page and the next
// page's cursor.
func (s memberRows) scanPage(ctx context.Context, l *listQuery, query string, a args) ([]*gatehouse.Member, string, error) {
	return s.scanRows(ctx, l, query, s.planned(a))
}

// scanRows is scanPage with the arguments as the query takes them, its
// mode first on PostgreSQL.
func (s memberRows) scanRows(ctx context.Context, l *listQuery, query string, a []any) ([]*gatehouse.Member, string, error) {
	rows, err := s.query(ctx, query, a...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*gatehouse.Member
	var last memberCursor // of the last member in out
	for rows.Next() {
		if len(out) == l.limit { // a row beyond the page: there is a next one
			return out, last.encode(l.f.Sort, l.f.Desc), nil
		}
		var text sql.NullString
		var num sql.NullInt64
		var user string
		key := any(&num)
		if l.sk.text {
			key = &text
		}
		m, err := scanMember(rows, key, &user)
		if err != nil {
			return nil, "", err
		}
		last = memberCursor{key: num.Int64, user: user}
		if l.sk.text {
			last.key = text.String
		}
		out = append(out, m)
	}
	return out, "", rows.Err()
}
