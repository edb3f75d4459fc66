// Package sqlstore implements the storage interfaces of package gatehouse on
// database/sql, for SQLite (modernc.org/sqlite, pure Go) and PostgreSQL (pgx).
//
// One SQL text serves both databases wherever possible: $1 placeholders, times as
// BIGINT microseconds since the Unix epoch, booleans as INTEGER 0/1, ids as TEXT.
// The schema is kept in embedded migrations (see Migrate). The package holds no
// business rules: it stores and finds what the use cases in package account decide.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	neturl "net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/brand"
	"github.com/gatehouse-auth/gatehouse/internal/bus"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Compile-time checks that Store keeps the storage contracts the domain
// documents, method by method (store.go and twofactor.go of package
// gatehouse). Each feature package declares the few of these methods it
// calls as a store interface of its own, which app/ports.go checks.
var (
	_ gatehouse.Counters           = (*Store)(nil)
	_ gatehouse.MemberStore        = (*Store)(nil)
	_ gatehouse.SessionStore       = (*Store)(nil)
	_ gatehouse.TokenStore         = (*Store)(nil)
	_ gatehouse.OrgStore           = (*Store)(nil)
	_ gatehouse.AuditStore         = (*Store)(nil)
	_ gatehouse.Outbox             = (*Store)(nil)
	_ gatehouse.CaptchaStore       = (*Store)(nil)
	_ gatehouse.TwoFactorStore     = (*Store)(nil)
	_ gatehouse.AuthenticatorStore = (*Store)(nil)
	_ gatehouse.AdminStore         = (*Store)(nil)
	_ gatehouse.Jobs               = (*Store)(nil)
)

// Dialect names the database behind a Store.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// MaxOpenConns bounds the connections that serve reads: the whole pool on
	// PostgreSQL (default 20) and the read-only pool on SQLite (default twice the
	// number of CPUs, at least 4). SQLite always has exactly one writer connection.
	MaxOpenConns int
	// BusyTimeout is how long a SQLite connection waits for a lock held by another
	// process before giving up (default 10s). Within one process writes queue for
	// the single writer connection instead, so this only matters across processes.
	BusyTimeout time.Duration
	// Log receives migration progress; nil discards it.
	Log *slog.Logger
	// Rand is the source of new server keys; nil means crypto/rand.
	Rand io.Reader
	// Now stamps what the store records of its own accord (when a migration or a
	// server key was made) and times the readiness hold after a write failed
	// for want of storage (see Ready); nil means time.Now. Everything else gets
	// its times from the caller.
	Now func() time.Time
	// SettingsTTL is how long Settings may answer from memory (default
	// DefaultSettingsTTL; negative: always read the database). Writes through
	// this Store are seen at once; another replica's within this time.
	SettingsTTL time.Duration
	// SessionTTL is how long SessionByToken may answer from memory (default
	// DefaultSessionTTL; negative: always read the database). Changes through
	// this Store are seen at once; another process's as soon as its notice
	// arrives (see Listen), and within this time when notices are lost.
	SessionTTL time.Duration
}

// Store implements the store interface of every feature package and gatehouse.Counters. A Store returned by
// Open is safe for concurrent use; the Store that Tx hands to its function is
// bound to one transaction and must not outlive it.
type Store struct {
	db *database
	tx *sql.Tx // non-nil inside Tx
	// missed collects, inside Tx, the statements to prepare once it ends.
	missed *[]string
	// savepoints counts, inside Tx, the savepoints made so far, to name the next.
	savepoints *int
	// committed collects, inside Tx, what to do once it has committed.
	committed *[]func()
	features
}

// database is what every Store of one Open shares.
type database struct {
	dialect Dialect
	// On SQLite w is the single writer connection (every write and transaction)
	// and r a pool of query_only connections, so that reads never wait behind a
	// write and writes queue in Go rather than fail with "database is locked".
	// On PostgreSQL both are the same pool.
	w, r     *sql.DB
	log      *slog.Logger
	rand     io.Reader
	now      func() time.Time
	stmts    sync.Map // stmtKey -> *sql.Stmt, on SQLite (see stmt.go)
	nstmts   atomic.Int64
	settings *busCache[map[string]string] // nil: Options.SettingsTTL < 0
	sessions *sessionCache
	orgs     *busCache[*gatehouse.Organization]
	brand    *busCache[brand.Look]
	bus      *bus.Bus
	url      string // what Open was given, for Listen's own connection
	// failed is the latest statement that failed for want of storage, until a
	// readiness check finds writes going through again (see health.go).
	failed atomic.Pointer[storageFailure]
	// driveLimit, walkBudget, inOrder, pgCopy and pgCopyPlan steer how a
	// member list finds its members (see member_search.go); tests change
	// them to take every way.
	driveLimit, walkBudget      int
	inOrder, pgCopy, pgCopyPlan bool
	// observe, when set, sees every statement run (ObserveStatements).
	observe atomic.Pointer[func(ctx context.Context, query string)]
}

// Open connects to the database at url: "sqlite:PATH" (or "sqlite://PATH" or
// "file:PATH") or "postgres://…" / "postgresql://…". It does not migrate (see
// Migrate), but it refuses a database whose schema is newer than this binary.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	const op = "sqlstore.Open"
	d := &database{log: opts.Log, rand: opts.Rand, now: opts.Now, bus: bus.New(), url: url,
		driveLimit: defaultDriveLimit, walkBudget: defaultWalkBudget, inOrder: true, pgCopy: true, pgCopyPlan: true}
	if d.now == nil {
		d.now = time.Now
	}
	d.sessions = newSessionCache(opts.SessionTTL, d.bus)
	d.settings = newSettingsCache(d.bus, opts.SettingsTTL)
	d.orgs = newBusCache(d.bus, TopicOrganization, DefaultOrgTTL, copyOrg)
	d.brand = newBusCache(d.bus, TopicBrand, DefaultBrandTTL, copyLook)
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.rand == nil {
		d.rand = rand.Reader
	}
	var err error
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		d.dialect = Postgres
		err = d.openPostgres(url, opts)
	case strings.HasPrefix(url, "sqlite:"), strings.HasPrefix(url, "file:"):
		d.dialect = SQLite
		err = d.openSQLite(url, opts)
	default:
		return nil, gatehouse.Errorf(gatehouse.Invalid, op, "the database URL must start with sqlite:, file:, postgres:// or postgresql://")
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	s := (&Store{db: d}).link()
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, gatehouse.Wrap(op, err)
	}
	if _, err := s.checkSchema(ctx); err != nil {
		s.Close()
		return nil, gatehouse.Wrap(op, err)
	}
	return s, nil
}

// defaultConnectTimeout bounds each attempt to connect to PostgreSQL when the
// URL does not set connect_timeout. Without it a database host that drops
// packets (rather than refusing) would hold requests for minutes, until the
// operating system gives up, instead of answering 503 at once.
const defaultConnectTimeout = "5"

func (d *database) openPostgres(url string, opts Options) error {
	db, err := sql.Open("pgx", withConnectTimeout(url))
	if err != nil {
		return err
	}
	n := opts.MaxOpenConns
	if n <= 0 {
		n = 20
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n) // the default of 2 would close and reopen connections under load
	db.SetConnMaxIdleTime(5 * time.Minute)
	d.w, d.r = db, db
	return nil
}

func (d *database) openSQLite(url string, opts Options) error {
	path, query := sqlitePath(url)
	if path == "" || strings.Contains(path, ":memory:") || strings.Contains(query, "mode=memory") {
		// Two pools need two views of one file; an in-memory database is per connection.
		return errors.New("SQLite needs a file path: an in-memory database is not supported")
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = 10 * time.Second
	}
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", busy.Milliseconds())
	if query != "" {
		common += "&" + query
	}
	// The writer sets WAL (persistent in the file) before any reader opens.
	w, err := sql.Open("sqlite", path+"?"+common+"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	if err := w.Ping(); err != nil {
		w.Close()
		return err
	}
	r, err := sql.Open("sqlite", path+"?"+common+"&_query_only=1")
	if err != nil {
		w.Close()
		return err
	}
	n := opts.MaxOpenConns
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	d.w, d.r = w, r
	return nil
}

// withConnectTimeout adds connect_timeout to a postgres:// URL that has none.
func withConnectTimeout(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil {
		return raw // pgx reports the malformed URL
	}
	q := u.Query()
	if q.Has("connect_timeout") {
		return raw
	}
	q.Set("connect_timeout", defaultConnectTimeout)
	u.RawQuery = q.Encode()
	return u.String()
}

// sqlitePath splits a sqlite: or file: URL into what modernc.org/sqlite opens
// and the caller's own query parameters, which are passed on.
func sqlitePath(url string) (path, query string) {
	switch {
	case strings.HasPrefix(url, "sqlite://"):
		path = strings.TrimPrefix(url, "sqlite://")
	case strings.HasPrefix(url, "sqlite:"):
		path = strings.TrimPrefix(url, "sqlite:")
	default:
		path = url // file: URIs are understood by SQLite itself
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	return path, query
}

// Close releases the connections. Closing a Store given by Tx does nothing.
func (s *Store) Close() error {
	if s.tx != nil {
		return nil
	}
	s.db.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	err := s.db.w.Close()
	if s.db.r != s.db.w {
		err = errors.Join(err, s.db.r.Close())
	}
	return err
}

// Dialect reports which database the Store talks to.
func (s *Store) Dialect() Dialect { return s.db.dialect }

// Ping checks that the database answers, on both pools for SQLite.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.w.PingContext(ctx); err != nil {
		return dbErr("sqlstore.Ping", err)
	}
	if err := s.db.r.PingContext(ctx); err != nil {
		return dbErr("sqlstore.Ping", err)
	}
	return nil
}

// Tx runs fn in one transaction on the writer. A Store that already is in a
// transaction runs fn in a savepoint of it, so use cases can compose and undo a
// part of their work without giving up the rest.
func (s *Store) Tx(ctx context.Context, fn func(*Store) error) error {
	if s.tx != nil {
		return s.savepoint(ctx, fn)
	}
	return s.inTx(ctx, fn)
}

// savepoint runs fn inside a savepoint of the current transaction: when fn fails,
// ROLLBACK TO undoes its work only (and, on PostgreSQL, clears the aborted state a
// failed statement leaves), and the error is returned to the caller.
func (s *Store) savepoint(ctx context.Context, fn func(*Store) error) error {
	const op = "sqlstore.Tx"
	*s.savepoints++
	name := fmt.Sprintf("gh_sp_%d", *s.savepoints)
	if _, err := s.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return dbErr(op, err)
	}
	if err := fn(s); err != nil {
		if _, rerr := s.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, dbErr(op, rerr))
		}
		return err
	}
	if _, err := s.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return dbErr(op, err)
	}
	return nil
}

func (s *Store) inTx(ctx context.Context, fn func(*Store) error) (err error) {
	if s.tx != nil {
		return fn(s)
	}
	tx, err := s.db.w.BeginTx(ctx, nil)
	if err != nil {
		s.db.note(err)
		return dbErr("sqlstore.Tx", err)
	}
	t := (&Store{db: s.db, tx: tx, missed: new([]string), savepoints: new(int), committed: new([]func())}).link()
	defer func() {
		p := recover()
		if p != nil {
			_ = tx.Rollback()
		}
		for _, q := range *t.missed { // the writer is free again
			s.stmt(ctx, s.db.w, q)
		}
		if p != nil {
			panic(p)
		}
	}()
	if err := fn(t); err != nil {
		_ = tx.Rollback()
		s.db.note(err) // a statement whose error came while reading its rows
		return err
	}
	if err := tx.Commit(); err != nil {
		s.db.note(err)
		return dbErr("sqlstore.Tx", err)
	}
	for _, f := range *t.committed {
		f()
	}
	return nil
}

// afterCommit runs f once the transaction s belongs to has committed.
func (s *Store) afterCommit(f func()) {
	*s.committed = append(*s.committed, f)
}

// Transactor returns the Transactor of a feature's store S over s: its Tx
// runs fn on s's transaction seen as an S. S must be an interface that *Store
// implements (each wiring checks it at compile time); Transactor panics
// otherwise, when it is built.
func Transactor[S any](s *Store) gatehouse.Transactor[S] {
	if _, ok := any(s).(S); !ok {
		panic(fmt.Sprintf("sqlstore: *Store does not implement %T", (*S)(nil)))
	}
	return transactor[S]{s}
}

type transactor[S any] struct{ s *Store }

func (t transactor[S]) Within(tx S) gatehouse.Transactor[S] {
	return transactor[S]{any(tx).(*Store)}
}

func (t transactor[S]) Tx(ctx context.Context, fn func(S) error) error {
	return t.s.Tx(ctx, func(tx *Store) error { return fn(any(tx).(S)) })
}
