package sqlstore

import (
	"context"
	"database/sql"
)

// Statements run through the helpers below. On SQLite they are prepared once
// per pool and kept: modernc.org/sqlite otherwise parses and plans each one
// again, which made the session lookup three times slower. PostgreSQL needs
// none of this, as pgx keeps its own per-connection statement cache.

// maxStmts bounds the statements kept. Fixed texts are few; filters make more,
// and past the bound they simply run unprepared.
const maxStmts = 512

// stmtKey names a prepared statement: its text and the pool it belongs to.
type stmtKey struct {
	writer bool
	query  string
}

// querier is what *sql.DB, *sql.Tx and stmtQuerier have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmtQuerier runs a prepared statement; the query text it is given is the
// statement's own and is ignored.
type stmtQuerier struct{ st *sql.Stmt }

func (q stmtQuerier) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return q.st.ExecContext(ctx, args...)
}

func (q stmtQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return q.st.QueryContext(ctx, args...)
}

func (q stmtQuerier) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return q.st.QueryRowContext(ctx, args...)
}

// target returns what runs query: inside a transaction the transaction, else
// the writer for writes and the read pool for reads; through a prepared
// statement when there is one.
func (s *Store) target(ctx context.Context, write bool, query string) querier {
	if f := s.db.observe.Load(); f != nil {
		(*f)(ctx, query)
	}
	pool := s.db.r
	if write || s.tx != nil {
		pool = s.db.w
	}
	st := s.stmt(ctx, pool, query)
	switch {
	case st != nil && s.tx != nil:
		return stmtQuerier{s.tx.StmtContext(ctx, st)}
	case st != nil:
		return stmtQuerier{st}
	case s.tx != nil:
		return s.tx
	}
	return pool
}

// stmt returns query prepared on pool, or nil when it is not (yet) worth it or
// possible. Inside a transaction the writer's only connection is taken, so a
// statement not prepared yet is noted and prepared once the transaction ends.
func (s *Store) stmt(ctx context.Context, pool *sql.DB, query string) *sql.Stmt {
	d := s.db
	if d.dialect != SQLite {
		return nil
	}
	key := stmtKey{writer: pool == d.w, query: query}
	if v, ok := d.stmts.Load(key); ok {
		return v.(*sql.Stmt)
	}
	if s.tx != nil {
		*s.missed = append(*s.missed, query)
		return nil
	}
	if d.nstmts.Load() >= maxStmts {
		return nil
	}
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil // the statement itself will report the error
	}
	if v, loaded := d.stmts.LoadOrStore(key, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	d.nstmts.Add(1)
	return st
}

// row is a *sql.Row whose error the store sees when it is scanned, so that a
// failure for want of storage is noted (see note).
type row struct {
	*sql.Row
	db *database
}

func (r row) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	r.db.note(err)
	return err
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) row {
	return row{s.target(ctx, false, query).QueryRowContext(ctx, query, args...), s.db}
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := s.target(ctx, false, query).QueryContext(ctx, query, args...)
	s.db.note(err)
	return rows, err
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := s.target(ctx, true, query).ExecContext(ctx, query, args...)
	s.db.note(err)
	return res, err
}

// writeRow runs a write that returns a row (RETURNING).
func (s *Store) writeRow(ctx context.Context, query string, args ...any) row {
	return row{s.target(ctx, true, query).QueryRowContext(ctx, query, args...), s.db}
}

// writeQuery runs a write that returns rows (RETURNING). An error that comes
// only while reading the rows is for the caller to note.
func (s *Store) writeQuery(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := s.target(ctx, true, query).QueryContext(ctx, query, args...)
	s.db.note(err)
	return rows, err
}

// ObserveStatements makes fn see every statement the store runs from now on,
// with the context it runs in (nil: none). Tests count with it the statements
// one request costs, so that a page that queries once per row is caught.
func (s *Store) ObserveStatements(fn func(ctx context.Context, query string)) {
	if fn == nil {
		s.db.observe.Store(nil)
		return
	}
	s.db.observe.Store(&fn)
}
