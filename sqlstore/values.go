package sqlstore

import (
	"database/sql"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// micros is how a time is stored: microseconds since the Unix epoch, or NULL for
// the zero time, so that "never" reads back as the zero time.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// timeOf reads a stored time back, in UTC. NULL and 0 are the zero time.
func timeOf(n sql.NullInt64) time.Time {
	if !n.Valid || n.Int64 == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

// boolInt stores a boolean as INTEGER 0/1, the one type both databases share.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullString stores "" as NULL, for optional references that carry a foreign key.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// Page sizes of the listing methods.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// pageLimit applies the default and the cap to a requested page size.
// limitClause writes a LIMIT clause with n as a literal. Bound as a parameter
// instead, the limit made SQLite plan the prepared statement again on every run
// (sqlite3Reprepare in the profiles): 28 µs for the member lookup of every
// sign-in instead of 9. n is a number the code chose, never outside text; each
// value is a statement of its own, and the few values used are all prepared.
func limitClause(n int) string { return " LIMIT " + strconv.Itoa(n) }

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

// likeContains returns a LIKE pattern matching q anywhere, with LIKE's own
// wildcards in q escaped (use with ESCAPE '\'), so a search for "a_b" finds
// only "a_b".
func likeContains(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// A cursor is the sort key of the last row of a page: a time (microseconds)
// and an id, or a single text. It is opaque to clients; base64 keeps it URL-safe.

func timeCursor(t time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(unixMicro(t), 10) + "/" + id))
}

func parseTimeCursor(op, c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", badCursor(op)
	}
	at, id, ok := strings.Cut(string(b), "/")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", badCursor(op)
	}
	return n, id, nil
}

func textCursor(s string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func badCursor(op string) error {
	return gatehouse.Errorf(gatehouse.Invalid, op, "the page cursor is not valid")
}

// args numbers query parameters as they are added, for queries whose conditions
// depend on a filter: q.add(v) returns "$n" and remembers v.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// nullInt is a stored time read from a NOT NULL column.
func nullInt(n int64) sql.NullInt64 { return sql.NullInt64{Int64: n, Valid: true} }

// unixMicro is the sort key of a time in a cursor: as stored, 0 for the zero time.
func unixMicro(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}
