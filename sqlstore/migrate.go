package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// The schema is a sequence of migrations, embedded in the binary. A file named
// NNNN_name.sql holds portable DDL; NNNN_name.sqlite.sql or NNNN_name.postgres.sql,
// when present, replaces it for that database. Versions start at 1 and have no
// gaps; a migration, once released, is never edited: add the next one instead.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one step of the schema, in the SQL of one dialect.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+?)(?:\.(sqlite|postgres))?\.sql$`)

// loadMigrations reads the migrations of dialect d from fsys, in order.
func loadMigrations(fsys fs.FS, d Dialect) ([]migration, error) {
	paths, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	type files struct{ name, portable, variant string }
	byVersion := map[int]*files{}
	for _, p := range paths {
		base := p[len("migrations/"):]
		m := migrationName.FindStringSubmatch(base)
		if m == nil {
			return nil, fmt.Errorf("migration file %s: the name must be NNNN_name.sql, NNNN_name.sqlite.sql or NNNN_name.postgres.sql", base)
		}
		v, _ := strconv.Atoi(m[1])
		f := byVersion[v]
		if f == nil {
			f = &files{name: m[2]}
			byVersion[v] = f
		}
		if f.name != m[2] {
			return nil, fmt.Errorf("migration %04d has two names: %s and %s", v, f.name, m[2])
		}
		switch m[3] {
		case "":
			f.portable = p
		case string(d):
			f.variant = p
		}
	}
	versions := make([]int, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Ints(versions)
	out := make([]migration, 0, len(versions))
	for i, v := range versions {
		if v != i+1 {
			return nil, fmt.Errorf("migration %04d is missing", i+1)
		}
		f := byVersion[v]
		p := f.portable
		if f.variant != "" {
			p = f.variant
		}
		if p == "" {
			return nil, fmt.Errorf("migration %04d_%s has no SQL for %s", v, f.name, d)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: f.name, sql: string(b)})
	}
	return out, nil
}

// SchemaError reports a database whose schema was migrated by a newer Gatehouse
// than this one. Running an older binary against it could corrupt data, so the
// store refuses to open it.
type SchemaError struct {
	Version int // the database's schema version
	Known   int // the newest version this binary knows
}

// Error says what to do: upgrade.
func (e *SchemaError) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this gatehouse knows (%d); upgrade gatehouse", e.Version, e.Known)
}

// Migrate brings the schema up to date. Each migration runs in its own
// transaction together with its row in schema_migrations. On PostgreSQL an
// advisory lock (per schema) lets several replicas start at once on an empty
// database: one migrates, the others wait and then find nothing to do. On SQLite
// the immediate transactions serialize migrators in the same way.
func (s *Store) Migrate(ctx context.Context) error {
	const op = "sqlstore.Migrate"
	if s.tx != nil {
		return gatehouse.Errorf(gatehouse.Internal, op, "cannot migrate inside a transaction")
	}
	ms, err := loadMigrations(migrationFiles, s.db.dialect)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	conn, err := s.db.w.Conn(ctx)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	defer conn.Close()
	if s.db.dialect == Postgres {
		unlock, err := advisoryLock(ctx, conn)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		defer unlock()
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return gatehouse.Wrap(op, err)
	}
	for _, m := range ms {
		applied, err := applyMigration(ctx, conn, m, len(ms), s.db.now())
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		if applied {
			s.db.log.InfoContext(ctx, "applied database migration", "version", m.version, "name", m.name, "dialect", s.db.dialect)
		}
	}
	return nil
}

// applyMigration runs m unless the database already has it. The version is read
// inside the migration's transaction, so a concurrent migrator is never trusted
// to be behind.
func applyMigration(ctx context.Context, conn *sql.Conn, m migration, known int, now time.Time) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return false, err
	}
	if have > known {
		return false, &SchemaError{Version: have, Known: known}
	}
	if have >= m.version {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, now.UnixMicro()); err != nil {
		return false, err
	}
	if m.version == 1 {
		// Portable SQL cannot read the clock as microseconds, so the first
		// migration leaves the default organization's creation time to us.
		if _, err := tx.ExecContext(ctx, `UPDATE organizations SET created_at = $1 WHERE id = $2 AND created_at IS NULL`,
			now.UnixMicro(), gatehouse.DefaultOrgID); err != nil {
			return false, err
		}
	}
	return true, tx.Commit()
}

// advisoryLock takes the migration lock of the current schema on conn and
// returns its release. The lock belongs to the session, so if releasing fails
// the connection is discarded rather than returned to the pool still holding it.
func advisoryLock(ctx context.Context, conn *sql.Conn) (func(), error) {
	const key = `74686, hashtext(current_schema())` // 74686: "gatehouse migrations"
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+key+`)`); err != nil {
		return nil, err
	}
	return func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+key+`)`); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}, nil
}

// SchemaVersion returns the schema version of the database (0 before the first
// migration) and the newest version this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (have, known int, err error) {
	ms, err := loadMigrations(migrationFiles, s.db.dialect)
	if err != nil {
		return 0, 0, gatehouse.Wrap("sqlstore.SchemaVersion", err)
	}
	have, err = s.checkSchema(ctx)
	return have, len(ms), err
}

// checkSchema returns the database's schema version, and a *SchemaError when it
// is newer than this binary knows.
func (s *Store) checkSchema(ctx context.Context) (int, error) {
	const op = "sqlstore.SchemaVersion"
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if s.db.dialect == Postgres {
		exists = `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	var n, have int
	if err := s.queryRow(ctx, exists).Scan(&n); err != nil {
		return 0, gatehouse.Wrap(op, err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return 0, gatehouse.Wrap(op, err)
	}
	ms, err := loadMigrations(migrationFiles, s.db.dialect)
	if err != nil {
		return 0, gatehouse.Wrap(op, err)
	}
	if have > len(ms) {
		return have, gatehouse.Wrap(op, &SchemaError{Version: have, Known: len(ms)})
	}
	return have, nil
}

// SharePostgresExtensions installs the extensions the schema needs (pg_trgm)
// in the public schema of the PostgreSQL database at url, unless they are
// installed already. An extension exists once per database, in one schema;
// the migrations create it in their own schema when it is missing, which is
// right for one Gatehouse per database but not for several schemas that come
// and go in one database (tests, load runs): dropping the schema that holds it
// would take the others' indexes along. They call this first. It takes the
// lock the migration takes, so that the two never race.
func SharePostgresExtensions(ctx context.Context, url string) error {
	db, err := sql.Open("pgx", withConnectTimeout(url))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `DO $$ BEGIN
		PERFORM pg_advisory_xact_lock(74687, 0);
		CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
	END $$`)
	return err
}
