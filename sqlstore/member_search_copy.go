package sqlstore

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// PostgreSQL's copy of what a search reads, member_search_rows (migration
// 0027): the organization, role, state and username of each member, and its
// four searched fields joined by a line feed in one text with a pg_trgm index,
// in parts by ranges of usernames (migration 0028).
// Its rows are some 150 bytes against members' 345 and twenty columns, so a
// search that must read many candidates reads them here, sorts them by the
// username beside them, and reads only the page's members from members.

// onPGCopy reports whether a search of l is answered from the copy: on
// PostgreSQL, for three characters or more (pg_trgm finds no trigram in
// fewer), without a line feed (the copy's separator, so that a match never
// spans two fields).
func (s memberRows) onPGCopy(l *listQuery) bool {
	return s.db.dialect == Postgres && s.db.pgCopy && utf8.RuneCountInString(l.q) >= 3 && !strings.Contains(l.q, "\n")
}

// pgCopyWalk is the most members a search in username order walks before it
// reads the copy (the walk's budget, l.budget): 2,000 members of the username
// index cost about 1 ms and fill a page whenever more than one member in 40
// matches (northwind, son, .com), which the copy would read in its first
// parts' many candidates (20 ms for northwind); a walk of 20,000 cost 10-15
// ms, more than the copy's page of a surname or a part of a username (1-2
// ms) that it was taken for.
const pgCopyWalk = 2000

// copyPlanned returns the arguments of a query on the copy. Its plan is the
// same whatever the values (in each part, the trigram index, then a sort of
// its candidates), but planning it takes longer than running it: some 4-18 ms
// for the 53 parts' statistics and indexes at a load of 5, against 1 ms to
// read a surname's page. So it is a prepared statement of the connection
// (pgx's statement cache), whose generic plan PostgreSQL reuses after its
// first five runs, instead of a query planned for its values every time as
// the other ways' are (planned).
func (s memberRows) copyPlanned(a args) []any {
	if !s.db.pgCopyPlan {
		return s.planned(a)
	}
	return append([]any{pgx.QueryExecModeCacheStatement}, a...)
}

// pgCopyWhere returns the conditions on member_search_rows r of the members of
// l's filter that match its query, after its cursor: the index finds them by
// their pieces (pgPieces), and strpos keeps those that hold the whole query.
func (l *listQuery) pgCopyWhere(a *args) []string {
	where := onCopy(l.filter(a))
	for _, p := range pgPieces(l.q) {
		where = append(where, `r.search LIKE `+a.add(likeContains(p))+` ESCAPE '\'`)
	}
	where = append(where, `strpos(r.search, `+a.add(l.q)+`) > 0`)
	if l.after != nil {
		where = append(where, onCopy(l.keyset(a, l.after, false)))
	}
	return where
}

// pgCopyRanges are the bounds of the ranges of usernames a search reads the
// copy in, one after another: before "a", from "a" to "am", "am" to "b", ...
// from "zm" on. They cover every username whatever the collation (each range
// is the one between its bounds), and match the parts of migration 0028, so
// that each range reads one part alone.
var pgCopyRanges = func() []string {
	var b []string
	for c := 'a'; c <= 'z'; c++ {
		b = append(b, string(c), string(c)+"m")
	}
	return b
}()

// pgCopyPage returns the query of a page of l, a search in username order,
// from the copy: the candidates of each range of usernames sorted in turn
// (a top-N sort of the page), under one LIMIT, so that PostgreSQL stops at
// the range that fills the page and never reads the others; then the page's
// members.
func (s memberRows) pgCopyPage(l *listQuery) (string, args) {
	var a args
	where := strings.Join(l.pgCopyWhere(&a), " AND ")
	order, page := onCopy(l.order()), limitClause(l.limit+1)
	var parts []string
	for i := 0; i <= len(pgCopyRanges); i++ {
		var in []string
		if i > 0 {
			in = append(in, `r.username_norm >= '`+pgCopyRanges[i-1]+`'`)
		}
		if i < len(pgCopyRanges) {
			in = append(in, `r.username_norm < '`+pgCopyRanges[i]+`'`)
		}
		parts = append(parts, `(SELECT r.member_id, r.username_norm FROM member_search_rows r WHERE `+where+` AND `+
			strings.Join(in, " AND ")+order+page+`)`)
	}
	if l.f.Desc {
		slices.Reverse(parts)
	}
	inner := `SELECT c.member_id FROM (` + strings.Join(parts, " UNION ALL ") + `) c` + page
	return `SELECT ` + memberCols + `, ` + l.sk.expr + `, m.username_norm FROM (` + inner +
		`) w JOIN members m ON m.id = w.member_id` + l.order(), a
}
