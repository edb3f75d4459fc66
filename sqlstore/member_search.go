package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/jackc/pgx/v5"
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

// match returns the condition that a member matches the query ("" for
// none): exactly a part of one of the four fields. PostgreSQL checks it with
// strpos, which no index serves, so that the planner finds the candidates
// with the shorter conditions of candidatesFrom (see searchPieces) rather than
// with every trigram of a long query.
func (s *Store) match(l *listQuery, a *args) string {
	if l.q == "" {
		return ""
	}
	if s.db.dialect == Postgres {
		p := a.add(l.q)
		return `(strpos(m.username_norm, ` + p + `) > 0 OR strpos(m.display_name_norm, ` + p + `) > 0
			OR strpos(m.email_norm, ` + p + `) > 0 OR strpos(m.work_email_norm, ` + p + `) > 0)`
	}
	return likeAny(a.add(likeContains(l.q)))
}

// likeAny is the condition that one of the four fields is LIKE p.
func likeAny(p string) string {
	return `(m.username_norm LIKE ` + p + ` ESCAPE '\' OR m.display_name_norm LIKE ` + p + ` ESCAPE '\'
		OR m.email_norm LIKE ` + p + ` ESCAPE '\' OR m.work_email_norm LIKE ` + p + ` ESCAPE '\')`
}

// searchPieces returns what the search indexes look up for q: q itself, or
// for a long q two parts of five characters, at its start and a third of the
// way in, which every match contains too. The trigram indexes read the
// members of every trigram they are given, and a long query's trigrams
// include those most members share (an address's domain): at a million
// members SQLite took 180 ms for a whole address, 3.5 ms for two such parts,
// 64 ms for three when one fell in the domain.
func searchPieces(q string) []string {
	r := []rune(q)
	if len(r) <= 9 {
		return []string{q}
	}
	third := len(r) / 3
	return []string{string(r[:5]), string(r[third : third+5])}
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

// walkFrom returns the FROM of a walk in the page's order, and conditions
// that let SQLite start where the filter does when the order is the
// filter's own.
func (s *Store) walkFrom(l *listQuery, a *args) (string, []string) {
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
func (s *Store) candidatesFrom(l *listQuery, a *args, where []string) string {
	where = append(where, pgSearch(l.q, a)...)
	// OFFSET 0 keeps the planner from walking an index in the page's order
	// with these conditions as a filter: that is the walk, taken with a
	// budget; this way reads the rows the conditions name.
	return `(SELECT * FROM members m WHERE ` + strings.Join(where, " AND ") + ` OFFSET 0) m`
}

// usernameAlphabet is every character of a normalized username, in byte
// order; usernameGroup numbers a username's first eight characters in base 40
// with it (0 for none), times 2^20, as migration 0010 numbers the rows of the
// search index (member_search_rows.seq): seq order is username order between
// groups, and no order within one.
const usernameAlphabet = "-.0123456789_abcdefghijklmnopqrstuvwxyz"

const groupShift = 20

func usernameGroup(u string) int64 {
	var g int64
	for i := range 8 {
		g *= 40
		if i < len(u) {
			g += int64(strings.IndexByte(usernameAlphabet, u[i]) + 1)
		}
	}
	return g << groupShift
}

// searchInOrder returns a page of l, a search of three characters or more
// by username, from the search index's candidates in the order of their
// seq: it reads candidates until the page is full and the group of usernames
// of its last member is complete (the members of a group are in no order of
// their own), sorts what it read, and reads the page's members. It costs a
// page of candidates, not all of them.
func (s *Store) searchInOrder(ctx context.Context, l *listQuery) ([]*gatehouse.Member, string, error) {
	query, a := s.inOrderQuery(l)
	rows, err := s.query(ctx, query, a...)
	if err != nil {
		return nil, "", err
	}
	type hit struct{ id, user string }
	var hits []hit
	last := int64(-1) // the group of the page's last member, once full
	for rows.Next() {
		var seq int64
		var h hit
		if err := rows.Scan(&seq, &h.id, &h.user); err != nil {
			rows.Close()
			return nil, "", err
		}
		g := seq >> groupShift
		if last >= 0 && g != last {
			break
		}
		hits = append(hits, h)
		if len(hits) == l.limit+1 {
			last = g
		}
	}
	if err := rows.Close(); err != nil {
		return nil, "", err
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	sort.Slice(hits, func(i, j int) bool {
		if l.f.Desc {
			return hits[i].user > hits[j].user
		}
		return hits[i].user < hits[j].user
	})
	if len(hits) > l.limit+1 {
		hits = hits[:l.limit+1]
	}
	if len(hits) == 0 {
		return nil, "", nil
	}
	var b args
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = b.add(h.id)
	}
	return s.scanPage(ctx, l, `SELECT `+memberCols+`, `+l.sk.expr+`, m.username_norm FROM members m WHERE m.id IN (`+
		strings.Join(ids, ", ")+`)`+l.order(), b)
}

// inOrderQuery returns the query of searchInOrder: the seq, member id and
// username of each candidate that matches, in seq order from the cursor's
// group on.
func (s *Store) inOrderQuery(l *listQuery) (string, args) {
	var a args
	where := l.filter(&a)
	where = append(where, s.match(l, &a))
	if l.after != nil {
		where = append(where, l.keyset(&a, l.after, false))
	}
	fts := `SELECT rowid AS seq FROM member_search WHERE member_search MATCH ` + a.add(ftsQuery(l.q))
	dir := ""
	if l.after != nil {
		g := usernameGroup(l.after.user)
		if l.f.Desc {
			fts += ` AND rowid <= ` + a.add(g+1<<groupShift-1)
		} else {
			fts += ` AND rowid >= ` + a.add(g)
		}
	}
	if l.f.Desc {
		dir = " DESC"
	}
	return `SELECT c.seq, r.member_id, r.username_norm FROM (` + fts + `) c
		CROSS JOIN member_search_rows r ON r.seq = c.seq WHERE ` + strings.Join(onCopy(where), " AND ") + ` ORDER BY c.seq` + dir, a
}

// sqliteCandidates returns SQLite's query of the candidates of l that meet
// where, in order, no more than limit (0: all): their member ids (id), sort
// keys (k) and usernames (u). It reads the copy in member_search_rows, in the
// order of the search index, and no member; inCopy reports whether the copy
// holds the sort key (the times of the last sign-in and password change are
// not copied: then it reads each candidate's member).
func sqliteCandidates(l *listQuery, a *args, where []string, limit int) (query string, inCopy bool) {
	from := `(` + candidates(l.q, a) + `) c CROSS JOIN member_search_rows r ON r.seq = c.seq`
	key := l.sk.expr
	switch l.f.Sort {
	case gatehouse.SortLastSignIn, gatehouse.SortPasswordChanged:
		// CROSS JOIN keeps SQLite to this order: the index's candidates,
		// their copies, their members, then the conditions on each.
		from += ` CROSS JOIN members m ON m.id = r.member_id`
	default:
		inCopy = true
		where = onCopy(where)
		key = onCopy(key)
	}
	query = `SELECT r.member_id AS id, ` + key + ` AS k, r.username_norm AS u FROM ` + from
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	if limit > 0 {
		order := l.order()
		if inCopy {
			order = onCopy(order)
		}
		query += order + limitClause(limit)
	}
	return query, inCopy
}

// onCopy turns conditions on members m into the same on member_search_rows
// r, which has the same columns for them.
func onCopy[T string | []string](x T) T {
	switch v := any(x).(type) {
	case string:
		return any(strings.ReplaceAll(v, "m.", "r.")).(T)
	case []string:
		out := make([]string, len(v))
		for i, c := range v {
			out[i] = onCopy(c)
		}
		return any(out).(T)
	}
	return x
}

// pgSearch returns the conditions by which PostgreSQL's search indexes find
// the candidates of q: its pieces with LIKE (pg_trgm), or for one or two
// characters, in which pg_trgm finds no trigram, the index of every character
// and pair of characters.
func pgSearch(q string, a *args) []string {
	if utf8.RuneCountInString(q) < 3 {
		return []string{memberGrams + " @> ARRAY[" + a.add(q) + "]::text[]"}
	}
	var where []string
	for _, p := range searchPieces(q) {
		where = append(where, likeAny(a.add(likeContains(p))))
	}
	return where
}

// candidates returns a query of the rows of SQLite's search index (as seq)
// that may match q, a superset of those that do, adding its arguments to a.
// Every character of a value begins a trigram of it (each value is indexed
// with two characters after it), so a query of one or two characters is the
// terms that begin with it; a longer one is a phrase of trigrams.
func candidates(q string, a *args) string {
	if utf8.RuneCountInString(q) >= 3 {
		return `SELECT rowid AS seq FROM member_search WHERE member_search MATCH ` + a.add(ftsQuery(q))
	}
	return `SELECT DISTINCT doc AS seq FROM member_search_terms WHERE term >= ` + a.add(q) + ` AND term < ` + a.add(prefixEnd(q))
}

// ftsQuery is the FTS5 query of the candidates of q (three characters or
// more): a phrase of each of its pieces.
func ftsQuery(q string) string {
	var phrases []string
	for _, p := range searchPieces(q) {
		phrases = append(phrases, ftsPhrase(p))
	}
	return strings.Join(phrases, " AND ")
}

// ftsPhrase is q as an FTS5 phrase: every character literal.
func ftsPhrase(q string) string {
	return `"` + strings.ReplaceAll(q, `"`, `""`) + `"`
}

// prefixEnd returns the least text above every text that begins with p,
// comparing bytes as the search index does: p with its last byte raised. p is
// UTF-8, whose bytes are never 0xFF.
func prefixEnd(p string) string {
	b := []byte(p)
	b[len(b)-1]++
	return string(b)
}

// countUpTo counts the rows of query, but no more than limit + 1.
func (s *Store) countUpTo(ctx context.Context, query string, limit int, a ...any) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+query+limitClause(limit+1)+`) t`, a...).Scan(&n)
	return n, err
}

// few reports whether the way w names at most the drive limit members for
// l (times more, when given): counted on SQLite, estimated by PostgreSQL's
// planner.
func (s *Store) few(ctx context.Context, l *listQuery, w way, more ...int) (bool, error) {
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
func (s *Store) estimateUpTo(ctx context.Context, query string, a args, limit int) (bool, error) {
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
func (s *Store) planned(a args) []any {
	if s.db.dialect == Postgres {
		return append([]any{pgx.QueryExecModeExec}, a...)
	}
	return a
}

// ListMembers returns a page of the members f selects, in f's order (by
// username when f.Sort is ""), and the cursor of the next page ("" after the
// last). Limit defaults to 50 and is capped at 500. A cursor made for another
// order, or not made here, is Invalid.
func (s *Store) ListMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter) ([]*gatehouse.Member, string, error) {
	const op = "sqlstore.ListMembers"
	l, err := newListQuery(op, orgID, f)
	if err != nil || l == nil {
		return nil, "", err
	}
	ms, next, err := s.listMembers(ctx, l)
	return ms, next, dbErr(op, err)
}

func (s *Store) listMembers(ctx context.Context, l *listQuery) ([]*gatehouse.Member, string, error) {
	if s.db.dialect == SQLite && l.byUsername() && utf8.RuneCountInString(l.q) >= 3 && s.db.inOrder {
		return s.searchInOrder(ctx, l)
	}
	w, bound, err := s.choose(ctx, l)
	if err != nil {
		return nil, "", err
	}
	ms, next, err := s.page(ctx, l, w, bound)
	if err != nil || bound == nil || next != "" {
		return ms, next, err
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

// choose returns the way a page of l is found first and, for a walk with a
// budget, the member it must stop at.
func (s *Store) choose(ctx context.Context, l *listQuery) (way, *memberCursor, error) {
	filtered := l.f.Role != "" || (l.f.State != "" && stateRanks[l.f.State] != 0)
	if l.q == "" {
		if s.db.dialect == SQLite && filtered {
			if few, err := s.few(ctx, l, wayFilter); err != nil || few {
				return wayFilter, nil, err
			}
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
	// the filter (no bound when fewer remain).
	bound, err := s.walkBound(ctx, l)
	return wayWalk, bound, err
}

// walkBound returns the walk budget's member of the filter after the cursor,
// in the page's order, or nil when there are fewer. It reads the order's
// index alone.
func (s *Store) walkBound(ctx context.Context, l *listQuery) (*memberCursor, error) {
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

// pageQuery returns the query of a page of l found the way w; with bound, a
// walk goes no further than it. Its rows are the member, the sort key and
// the normalized username.
func (s *Store) pageQuery(l *listQuery, w way, bound *memberCursor) (string, args) {
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
func (s *Store) page(ctx context.Context, l *listQuery, w way, bound *memberCursor) ([]*gatehouse.Member, string, error) {
	query, a := s.pageQuery(l, w, bound)
	return s.scanPage(ctx, l, query, a)
}

// scanPage runs query, whose rows are a member, its sort key and its
// normalized username, and returns the members of the page and the next
// page's cursor.
func (s *Store) scanPage(ctx context.Context, l *listQuery, query string, a args) ([]*gatehouse.Member, string, error) {
	rows, err := s.query(ctx, query, s.planned(a)...)
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

// CountMatching counts the members of the organization f selects, whatever
// its order, cursor and limit: the total of a member list. With upTo > 0 it
// stops counting past upTo and then returns upTo and more: a search that many
// members match costs as much to count as there are matches to read (see
// docs/performance.md), and a page can say "more than 10,000" as well.
func (s *Store) CountMatching(ctx context.Context, orgID string, f gatehouse.MemberFilter, upTo int) (int, bool, error) {
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
	from := "members m"
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
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+query+`) t`, s.planned(a)...).Scan(&n); err != nil {
		return 0, false, dbErr(op, err)
	}
	if upTo > 0 && n > upTo {
		return upTo, true, nil
	}
	return n, false, nil
}
