package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
)

// LoadMigrations exposes the migration loader to the tests, as "NNNN name: sql".
func LoadMigrations(fsys fs.FS, d Dialect) ([]string, error) {
	ms, err := loadMigrations(fsys, d)
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%04d %s: %s", m.version, m.name, m.sql))
	}
	return out, err
}

// Exec runs a statement on the writer, for tests that set up states the API
// cannot make (a schema from the future).
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	_, err := s.db.w.ExecContext(ctx, query, args...)
	return err
}

// SQLitePath exposes the URL splitting of Open.
var SQLitePath = sqlitePath

// DBErr exposes the classification of database errors.
var DBErr = dbErr

// SetDriveLimit changes how many members a member list finds through the
// search or filter indexes before it tries a walk, and how many members such
// a walk reads at most, so that tests of a few hundred members take every way.
func (s *Store) SetDriveLimit(limit, budget int) { s.db.driveLimit, s.db.walkBudget = limit, budget }

// SetInOrder turns SQLite's search in the order of the index on or off.
func (s *Store) SetInOrder(on bool) { s.db.inOrder = on }

// SetPGCopy turns PostgreSQL's reading of member_search_rows on or off, so
// that a measurement can compare it with reading members.
func (s *Store) SetPGCopy(on bool) { s.db.pgCopy = on }

// SetPGCopyPlan turns off (or back on) what PostgreSQL's search copy does
// since migration 0028's measurement: its queries' plans kept per
// connection, and the shorter walk before it.
func (s *Store) SetPGCopyPlan(on bool) { s.db.pgCopyPlan = on }

// UsernameGroup exposes how a username's group is numbered.
var UsernameGroup = usernameGroup

// ExplainMembers returns SQLite's plan of the query of the first page of
// ListMembers for f, as it would run it first.
func (s *Store) ExplainMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter) (string, error) {
	l, err := newListQuery("explain", orgID, f)
	if err != nil || l == nil {
		return "", err
	}
	if l.byUsername() && utf8.RuneCountInString(l.q) >= 3 && s.db.inOrder {
		query, a := s.inOrderQuery(l)
		return s.QueryPlan(ctx, query, a...)
	}
	w, bound, err := s.choose(ctx, l)
	if err != nil {
		return "", err
	}
	query, a := s.pageQuery(l, w, bound)
	return s.QueryPlan(ctx, query, a...)
}

// QueryStrings returns the first column of every row of query, read on the
// writer.
func (s *Store) QueryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.w.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// TextCursor exposes how a text becomes a cursor.
var TextCursor = textCursor

// QueryPlan returns SQLite's plan of query.
func (s *Store) QueryPlan(ctx context.Context, query string, args ...any) (string, error) {
	rows, err := s.db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		out = append(out, detail)
	}
	return strings.Join(out, "\n"), rows.Err()
}

// PruneNotices keeps only the latest keep change notices (SQLite), so that a
// test can make a reader miss some.
func (s *Store) PruneNotices(ctx context.Context, keep int) error {
	_, err := s.db.w.ExecContext(ctx, `DELETE FROM change_notices WHERE seq <= (SELECT MAX(seq) FROM change_notices) - $1`, keep)
	return err
}
