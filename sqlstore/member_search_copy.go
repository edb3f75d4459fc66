package sqlstore

import (
	"strings"
	"unicode/utf8"
)

// PostgreSQL's copy of what a search reads, member_search_rows (migration
// 0027): the organization, role, state and username of each member, and its
// four searched fields joined by a line feed in one text with a pg_trgm index.
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

// pgCopyPage returns the query of a page of l, a search in username order,
// from the copy: its candidates' usernames sorted there (a top-N sort of
// the page), then the page's members.
func (s memberRows) pgCopyPage(l *listQuery) (string, args) {
	var a args
	where := l.pgCopyWhere(&a)
	inner := `SELECT r.member_id FROM member_search_rows r WHERE ` + strings.Join(where, " AND ") +
		onCopy(l.order()) + limitClause(l.limit+1)
	return `SELECT ` + memberCols + `, ` + l.sk.expr + `, m.username_norm FROM (` + inner +
		`) w JOIN members m ON m.id = w.member_id` + l.order(), a
}
