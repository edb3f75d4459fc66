package gatehousetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/sqlstore"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for creating test schemas
)

// PostgresEnv names the environment variable with the URL of a PostgreSQL
// database for tests. When it is unset, only SQLite is tested.
const PostgresEnv = "GATEHOUSE_TEST_POSTGRES_URL"

// NamedURL is a database URL with the name of its database, for subtest names.
type NamedURL struct{ Name, URL string }

// DatabaseURLs returns a fresh, empty database of every kind available: SQLite
// always, PostgreSQL when PostgresEnv is set. They are removed when t ends.
func DatabaseURLs(t testing.TB) []NamedURL {
	t.Helper()
	urls := []NamedURL{{Name: "sqlite", URL: SQLiteURL(t)}}
	if os.Getenv(PostgresEnv) != "" {
		urls = append(urls, NamedURL{Name: "postgres", URL: PostgresURL(t)})
	}
	return urls
}

// SQLiteURL returns the URL of a new SQLite database file in t's temporary
// directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db")
}

// PostgresURL creates a schema of its own in the database at PostgresEnv and
// returns a URL whose connections use it (search_path), so that tests running
// at the same time never see each other's rows. The schema is dropped when t
// ends. Without PostgresEnv the test is skipped.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL, got %q", PostgresEnv, base)
	}
	ensureExtensions(t, base)
	var b [8]byte
	rand.Read(b[:])
	schema := "gh_test_" + hex.EncodeToString(b[:])
	admin(t, base, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { admin(t, base, `DROP SCHEMA `+schema+` CASCADE`) })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Extensions are installed once per database, in one schema. The migrations
// create what they need in the current schema when it is missing (see
// sqlstore/migrations/0010_member_search.postgres.sql), but a test schema is
// dropped with CASCADE when its test ends, which would take the extension,
// and every other schema's indexes that use it, along. So the tests install
// it in public first, under the lock the migration takes.
var extensions sync.Once

func ensureExtensions(t testing.TB, base string) {
	extensions.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := sqlstore.SharePostgresExtensions(ctx, base); err != nil {
			t.Fatalf("installing the PostgreSQL extensions in public: %v", err)
		}
	})
}

// admin runs one statement on its own short-lived connection.
func admin(t testing.TB, dsn, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("opening %s: %v", PostgresEnv, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// NewStore opens and migrates the database at url and closes it when t ends.
func NewStore(t testing.TB, url string) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, url, sqlstore.Options{})
	if err != nil {
		t.Fatalf("sqlstore.Open(%q): %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// EachStore runs fn as the subtests "sqlite" and "postgres", each with a fresh,
// migrated store. The postgres subtest is skipped when PostgresEnv is unset, so
// that a run without PostgreSQL says so.
func EachStore(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, NewStore(t, SQLiteURL(t))) })
	t.Run("postgres", func(t *testing.T) { fn(t, NewStore(t, PostgresURL(t))) })
}
