package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
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
