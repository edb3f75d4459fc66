package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/jackc/pgx/v5"
)

// The member list of the admin area and the API: search, filters, sort orders
// and their page cursors, and the total count.
//
// A member matches a query when the query, normalized as identifiers are
// (gatehouse.NormalizeIdentifier), is a part of the normalized username,
// display name, personal or work email: `column LIKE '%q%' ESCAPE '\'` with
// LIKE's own wildcards escaped, as it has always been. Every way of finding
// the rows below ends in that same LIKE, so the results are exactly those of a
// scan; what differs is how many rows are read to find them.
//
// On PostgreSQL trigram indexes (pg_trgm, GIN) on the four columns and an index
// per sort order let the planner choose, with statistics, between the rows a
// search names and a walk in the page's order. Each search is planned for its
// own query text (pgx.QueryExecModeExec): a plan made once for every text
// would be wrong for most of them.
//
// SQLite has no statistics to choose with, so the store chooses, by counting
// up to driveLimit rows (see sqlitePlan):
//   - search: the candidates of the trigram full-text index (member_search)
//     for a query of three characters or more, then sorted;
//   - filter: the members with the role and state asked for, through an index
//     on them, then sorted;
//   - walk: the index of the sort order, checking each member until the page
//     is full: few rows when matches are many, which is when the others are
//     expensive.

// defaultDriveLimit is the most rows the search or filter way may read before
// the walk is cheaper. The walk reads about limit × members ÷ matches rows, so at
// a million members and more than driveLimit matches a page of 50 costs it at
// most some 12,500 rows of an index, while sorting driveLimit rows costs about
// as much.
const defaultDriveLimit = 4000

// sortKey is how one gatehouse.MemberSort is stored and found.
type sortKey struct {
	expr  string // the key as a SQL expression on members m, as its index has it
	index string // the index on (org_id, expr, username_norm, ...)
	text  bool   // a text key; else an integer
}

// The rank expressions order roles by power and states by the life of an
// account. Their text must stay identical to the indexes of migration 0006.
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

// matchAny is the condition that a member matches the LIKE pattern p.
func matchAny(p string) string {
	return `(m.username_norm LIKE ` + p + ` ESCAPE '\' OR m.display_name_norm LIKE ` + p + ` ESCAPE '\'
		OR m.email_norm LIKE ` + p + ` ESCAPE '\' OR m.work_email_norm LIKE ` + p + ` ESCAPE '\')`
}

// candidates returns a query of the rows of the search index (as seq) that
// may match q, a superset of those that do, adding its arguments to a. A
// query of three characters or more is a phrase of trigrams; a shorter one is
// every trigram that begins with it (each value is indexed with two
// characters after it, so every character of it begins one).
func candidates(q string, a *args) string {
	if utf8.RuneCountInString(q) >= 3 {
		return `SELECT rowid AS seq FROM member_search WHERE member_search MATCH ` + a.add(ftsPhrase(q))
	}
	return `SELECT DISTINCT doc AS seq FROM member_search_terms WHERE term >= ` + a.add(q) + ` AND term < ` + a.add(prefixEnd(q))
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

// selection is the FROM and WHERE of a member list, with their arguments.
type selection struct {
	from  string
	where []string
	a     args
	none  bool // nothing can match: no query needed
}

// way is how SQLite finds the members of a list (see the top of the file).
type way int

const (
	wayWalk way = iota
	wayFilter
	waySearch
)

// selectMembers builds what selects the members f asks for. On SQLite it
// also chooses the way (the index) they are found; walk names the index of
// the sort order, or is "" for a count, which needs no order.
func (s *Store) selectMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter, walk string) (*selection, error) {
	sel := &selection{}
	sel.where = []string{"m.org_id = " + sel.a.add(orgID)}
	q := gatehouse.NormalizeIdentifier(f.Query)
	if strings.IndexByte(q, 0) >= 0 {
		// No stored text holds a NUL, and PostgreSQL refuses one in a query.
		sel.none = true
		return sel, nil
	}
	if q != "" {
		sel.where = append(sel.where, matchAny(sel.a.add(likeContains(q))))
	}
	if f.Role != "" {
		sel.where = append(sel.where, "m.role = "+sel.a.add(string(f.Role)))
	}
	if f.State != "" {
		sel.where = append(sel.where, "m.state = "+sel.a.add(string(f.State)))
	}
	if s.db.dialect != SQLite {
		sel.from = "members m"
		return sel, nil
	}
	w, err := s.sqlitePlan(ctx, orgID, q, f)
	if err != nil {
		return nil, err
	}
	switch w {
	case waySearch:
		// CROSS JOIN keeps SQLite to this order: the index's candidates, their
		// members, then the conditions above on each.
		sel.from = `(` + candidates(q, &sel.a) + `) c
			CROSS JOIN member_search_rows r ON r.seq = c.seq CROSS JOIN members m ON m.id = r.member_id`
	case wayFilter:
		index, extra := filterIndex(f, &sel.a)
		sel.from = "members m INDEXED BY " + index
		sel.where = append(sel.where, extra...)
	default:
		sel.from = "members m"
		if walk != "" {
			sel.from += " INDEXED BY " + walk
		}
		// Walking the order of the role or state filtered on, the filter
		// names where in the index to walk.
		if r, ok := roleRanks[f.Role]; ok && walk == sortKeys[gatehouse.SortRole].index {
			sel.where = append(sel.where, roleRank+" = "+sel.a.add(r))
		}
		if r, ok := stateRanks[f.State]; ok && walk == sortKeys[gatehouse.SortState].index {
			sel.where = append(sel.where, stateRank+" = "+sel.a.add(r))
		}
	}
	return sel, nil
}

// filterIndex returns the index through which SQLite reaches the members
// with f's role and state, reading nothing else, and what, beyond the role and
// state themselves, makes it read only them.
func filterIndex(f gatehouse.MemberFilter, a *args) (string, []string) {
	if f.Role != "" {
		return "members_role_state", nil
	}
	// The state alone is not a prefix of members_role_state: its rank is one
	// of members_sort_state.
	return "members_sort_state", []string{stateRank + " = " + a.add(stateRanks[f.State])}
}

// sqlitePlan chooses the way SQLite finds the members of f, counting the rows
// of the search and filter ways up to the drive limit: the smaller of those
// within it, else the walk.
func (s *Store) sqlitePlan(ctx context.Context, orgID, q string, f gatehouse.MemberFilter) (way, error) {
	limit := s.db.driveLimit
	best, bestN := wayWalk, limit+1
	if q != "" {
		var a args
		n, err := s.countUpTo(ctx, candidates(q, &a), a...)
		if err != nil {
			return 0, err
		}
		if n < bestN {
			best, bestN = waySearch, n
		}
	}
	_, known := stateRanks[f.State]
	if f.Role != "" || (f.State != "" && known) {
		var a args
		where := []string{"m.org_id = " + a.add(orgID)}
		if f.Role != "" {
			where = append(where, "m.role = "+a.add(string(f.Role)))
		}
		if f.State != "" {
			where = append(where, "m.state = "+a.add(string(f.State)))
		}
		index, extra := filterIndex(f, &a)
		n, err := s.countUpTo(ctx, `SELECT 1 FROM members m INDEXED BY `+index+` WHERE `+strings.Join(append(where, extra...), " AND "), a...)
		if err != nil {
			return 0, err
		}
		if n < bestN {
			best = wayFilter
		}
	}
	return best, nil
}

// countUpTo counts the rows of query, but no more than the drive limit + 1.
func (s *Store) countUpTo(ctx context.Context, query string, a ...any) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM (`+query+limitClause(s.db.driveLimit+1)+`) t`, a...).Scan(&n)
	return n, err
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
	l, err := s.memberList(ctx, op, orgID, f)
	if err != nil || l == nil {
		return nil, "", err
	}
	rows, err := s.query(ctx, l.query, l.args...)
	if err != nil {
		return nil, "", dbErr(op, err)
	}
	defer rows.Close()
	var out []*gatehouse.Member
	var last memberCursor // of the last member in out
	for rows.Next() {
		if len(out) == l.limit { // a row beyond the page: there is a next one
			return out, last.encode(l.sort, f.Desc), nil
		}
		var text sql.NullString
		var num sql.NullInt64
		var user string
		key := any(&num)
		if l.text {
			key = &text
		}
		m, err := scanMember(rows, key, &user)
		if err != nil {
			return nil, "", dbErr(op, err)
		}
		last = memberCursor{key: num.Int64, user: user}
		if l.text {
			last.key = text.String
		}
		out = append(out, m)
	}
	return out, "", dbErr(op, rows.Err())
}

// memberList is the query of a page of the member list.
type memberList struct {
	query string
	args  []any
	limit int
	sort  gatehouse.MemberSort
	text  bool // the sort key is text
}

// memberList builds the query of ListMembers, or returns nil when nothing can
// match.
func (s *Store) memberList(ctx context.Context, op, orgID string, f gatehouse.MemberFilter) (*memberList, error) {
	f.Sort = sortOrDefault(f.Sort)
	sk, ok := sortKeys[f.Sort]
	if !ok {
		return nil, gatehouse.Errorf(gatehouse.Invalid, op, "unknown sort order %q", f.Sort)
	}
	var after *memberCursor
	if f.Cursor != "" {
		c, err := parseMemberCursor(op, f.Cursor, f.Sort, f.Desc, sk.text)
		if err != nil {
			return nil, err
		}
		after = c
	}
	sel, err := s.selectMembers(ctx, orgID, f, sk.index)
	if err != nil {
		return nil, dbErr(op, err)
	}
	if sel.none {
		return nil, nil
	}
	cmp, dir := ">", ""
	if f.Desc {
		cmp, dir = "<", " DESC"
	}
	order := sk.expr + dir + ", m.username_norm" + dir
	if f.Sort == gatehouse.SortUsername {
		order = "m.username_norm" + dir
	}
	if after != nil {
		if f.Sort == gatehouse.SortUsername {
			sel.where = append(sel.where, "m.username_norm "+cmp+" "+sel.a.add(after.user))
		} else {
			sel.where = append(sel.where, "("+sk.expr+", m.username_norm) "+cmp+" ("+sel.a.add(after.key)+", "+sel.a.add(after.user)+")")
		}
	}
	limit := pageLimit(f.Limit)
	return &memberList{
		query: `SELECT ` + memberCols + `, ` + sk.expr + `, m.username_norm FROM ` + sel.from +
			` WHERE ` + strings.Join(sel.where, " AND ") + ` ORDER BY ` + order + limitClause(limit+1),
		args: s.planned(sel.a), limit: limit, sort: f.Sort, text: sk.text,
	}, nil
}

// CountMatching counts the members of the organization f selects, whatever
// its order, cursor and limit: the total of a member list. With upTo > 0 it
// stops counting past upTo and then returns upTo and more: a search that many
// members match costs as much to count as there are matches to read (see
// docs/performance.md), and a page can say "more than 10,000" as well.
func (s *Store) CountMatching(ctx context.Context, orgID string, f gatehouse.MemberFilter, upTo int) (int, bool, error) {
	const op = "sqlstore.CountMatching"
	sel, err := s.selectMembers(ctx, orgID, f, "")
	if err != nil {
		return 0, false, dbErr(op, err)
	}
	if sel.none {
		return 0, false, nil
	}
	query := `SELECT 1 FROM ` + sel.from + ` WHERE ` + strings.Join(sel.where, " AND ")
	if upTo > 0 {
		query += limitClause(upTo + 1)
	}
	var n int
	err = s.queryRow(ctx, `SELECT COUNT(*) FROM (`+query+`) t`, s.planned(sel.a)...).Scan(&n)
	if err != nil {
		return 0, false, dbErr(op, err)
	}
	if upTo > 0 && n > upTo {
		return upTo, true, nil
	}
	return n, false, nil
}

func sortOrDefault(s gatehouse.MemberSort) gatehouse.MemberSort {
	if s == "" {
		return gatehouse.SortUsername
	}
	return s
}

// memberCursor is where a page of the member list ended: the sort key and the
// normalized username of its last member.
type memberCursor struct {
	key  any // string or int64
	user string
}

// encode makes the cursor text for a list in order sort. The list by username,
// ascending, keeps the form it had before there were other orders (the
// username alone), so that cursors held by API clients across an upgrade
// still work; the others name their order, so that a cursor is never read
// in another one.
func (c memberCursor) encode(sort gatehouse.MemberSort, desc bool) string {
	if sort == gatehouse.SortUsername && !desc {
		return textCursor(c.user)
	}
	b, _ := json.Marshal([]any{sort, desc, c.key, c.user})
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseMemberCursor(op, raw string, sort gatehouse.MemberSort, desc, text bool) (*memberCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) == 0 {
		return nil, badCursor(op)
	}
	if b[0] != '[' { // a username never starts with [
		if sort != gatehouse.SortUsername || desc {
			return nil, badCursor(op)
		}
		return &memberCursor{key: string(b), user: string(b)}, nil
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v []any
	if err := d.Decode(&v); err != nil || len(v) != 4 {
		return nil, badCursor(op)
	}
	gotSort, _ := v[0].(string)
	gotDesc, _ := v[1].(bool)
	user, ok := v[3].(string)
	if gotSort != string(sort) || gotDesc != desc || !ok {
		return nil, badCursor(op)
	}
	c := &memberCursor{user: user}
	switch k := v[2].(type) {
	case string:
		if !text {
			return nil, badCursor(op)
		}
		c.key = k
	case json.Number:
		n, err := strconv.ParseInt(k.String(), 10, 64)
		if err != nil || text {
			return nil, badCursor(op)
		}
		c.key = n
	default:
		return nil, badCursor(op)
	}
	return c, nil
}
