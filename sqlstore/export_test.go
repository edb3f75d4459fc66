package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

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

// SetDriveLimit changes how many rows a member list may read through the
// search or filter index on SQLite, so that tests of a few hundred members
// take every way.
func (s *Store) SetDriveLimit(n int) { s.db.driveLimit = n }

// ExplainMembers returns SQLite's plan of the ListMembers query for f.
func (s *Store) ExplainMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter) (string, error) {
	l, err := s.memberList(ctx, "explain", orgID, f)
	if err != nil || l == nil {
		return "", err
	}
	rows, err := s.db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+l.query, l.args...)
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
