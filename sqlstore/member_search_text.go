package sqlstore

import (
	"context"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
)

// The text of a member search: how it is matched, and the candidates the
// search indexes name for it (the ways are explained in member_search.go).

// match returns the condition that a member matches the query ("" for
// none): exactly a part of one of the four fields. PostgreSQL checks it with
// strpos, which no index serves, so that the planner finds the candidates
// with the conditions of candidatesFrom (see pgPieces): for an address, with
// the trigrams of its local part rather than also those of its domain.
func (s memberRows) match(l *listQuery, a *args) string {
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

// searchPieces returns what SQLite's search index looks up for q: q itself, or
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
func (s memberRows) searchInOrder(ctx context.Context, l *listQuery) ([]*gatehouse.Member, string, error) {
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
func (s memberRows) inOrderQuery(l *listQuery) (string, args) {
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
	for _, p := range pgPieces(q) {
		where = append(where, likeAny(a.add(likeContains(p))))
	}
	return where
}

// pgPieces returns what PostgreSQL's trigram indexes look up for q (three
// characters or more): q itself; for an address whose local part has three
// characters or more, that part; for a text of four words or more without an
// "@", its two longest words. Every match contains each piece too, and the
// whole query is checked after (strpos).
//
// pg_trgm looks up the trigrams of the words of a text, and GIN reads the
// lists of the rare ones first; but an address's domain is words that most
// members share (northwind, traders, com), whose lists are a member in
// two: at a million members a whole address took 160-300 ms, its local part
// 3-23 ms. A long text looks up every trigram of every word in each of the
// search copy's 53 parts (migration 0028): "a long search for someone who
// works in accounts payable, 123" took 18 ms, "accounts" and "payable" 5 ms.
// Two long words of a text of four name few members: the words that most
// members share are an address's domain (hence no "@"), and a page reads every
// candidate when few of them match the whole text. The pieces of searchPieces (five
// characters at the start and a third of the way in), which SQLite's index
// needs, cut words: pg_trgm takes a piece's ends for the ends of words and
// looks up " no", the start of every word "no..." (679,442 members for the
// "o@nor" of an address, 74 ms).
func pgPieces(q string) []string {
	if local, _, ok := strings.Cut(q, "@"); ok && utf8.RuneCountInString(local) >= 3 {
		return []string{local}
	}
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) < 4 || strings.Contains(q, "@") {
		return []string{q}
	}
	// The longest first; of equal length, the first in q, so that a query
	// always looks up the same pieces.
	slices.SortStableFunc(words, func(a, b string) int {
		return utf8.RuneCountInString(b) - utf8.RuneCountInString(a)
	})
	if utf8.RuneCountInString(words[1]) < 3 {
		return []string{q}
	}
	return words[:2]
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
