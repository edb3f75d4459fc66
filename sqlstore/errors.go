package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite extended result codes and PostgreSQL SQLSTATEs for broken constraints.
const (
	sqliteUnique     = 2067 // SQLITE_CONSTRAINT_UNIQUE
	sqlitePrimaryKey = 1555 // SQLITE_CONSTRAINT_PRIMARYKEY
	sqliteForeignKey = 787  // SQLITE_CONSTRAINT_FOREIGNKEY
	pgUnique         = "23505"
	pgForeignKey     = "23503"
)

// notFound returns the error of every lookup that finds nothing. It wraps
// gatehouse.ErrNotFound, so both IsCode(err, NotFound) and errors.Is hold.
func notFound(op string) error {
	return fmt.Errorf("%s: %w", op, gatehouse.ErrNotFound)
}

// dbErr turns a database error into a domain error for op: no rows is NotFound,
// a unique constraint is Conflict, a missing referenced row (an unknown
// organization or member) is NotFound, a database that cannot be reached or
// cannot serve right now, or cannot store (a full disk, an I/O error, a
// read-only database), is Unavailable, and anything else is Internal.
func dbErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return notFound(op)
	case isUnique(err):
		return &gatehouse.Error{Code: gatehouse.Conflict, Op: op, Message: "it already exists", Err: err}
	case isForeignKey(err):
		return &gatehouse.Error{Code: gatehouse.NotFound, Op: op, Message: "a row it refers to does not exist", Err: err}
	case isUnavailable(err), isStorage(err):
		return unavailable(op, err)
	}
	return gatehouse.Wrap(op, err)
}

// unavailableRetry is the Retry-After, in seconds, of a database outage: long
// enough not to hammer a database that is coming back, short enough that a
// person who retries by hand is not kept waiting once it has.
const unavailableRetry = 5

// unavailable is the error of an operation that failed because the database
// could not be reached or could not serve it. Its message is safe to show.
func unavailable(op string, err error) error {
	return &gatehouse.Error{Code: gatehouse.Unavailable, Op: op, RetryAfter: unavailableRetry,
		Message: "The service is temporarily unavailable. Please try again in a few moments.", Err: err}
}

// PostgreSQL SQLSTATEs that mean the server cannot serve now rather than that
// the statement is wrong.
var pgUnavailable = map[string]bool{
	"53300": true, // too_many_connections
	"57P01": true, // admin_shutdown: the server is shutting down
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now: starting up or shutting down
}

// PostgreSQL SQLSTATEs that mean the server cannot store what it is asked to:
// these mend themselves when space returns or a failover ends.
var pgStorage = map[string]bool{
	"53000": true, // insufficient_resources
	"53100": true, // disk_full
	"53200": true, // out_of_memory
	"58000": true, // system_error
	"58030": true, // io_error
	"25006": true, // read_only_sql_transaction: a failover left us on a standby
}

// SQLite primary result codes that mean another connection holds a lock for
// longer than the busy timeout, and those that mean the file cannot be written
// (extended codes such as SQLITE_READONLY_DIRECTORY, 1544, keep the primary
// code in their low byte).
const (
	sqliteBusy     = 5  // SQLITE_BUSY
	sqliteLocked   = 6  // SQLITE_LOCKED
	sqliteReadOnly = 8  // SQLITE_READONLY
	sqliteIOErr    = 10 // SQLITE_IOERR
	sqliteFull     = 13 // SQLITE_FULL
	sqliteCantOpen = 14 // SQLITE_CANTOPEN
)

// isStorage reports whether err says the database cannot store: a full disk,
// an I/O error, a read-only file or server. The statement is not wrong and the
// database answers, but writes fail until an operator (or a failover) makes
// room: answered 503 with Retry-After, and readiness fails meanwhile (see
// Store.Ready).
func isStorage(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pgStorage[pe.Code]
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqliteReadOnly, sqliteIOErr, sqliteFull, sqliteCantOpen:
			return true
		}
		return false
	}
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EIO) ||
		errors.Is(err, syscall.EDQUOT)
}

// isUnavailable reports whether err says the database could not be reached or
// could not serve, as opposed to a statement that is wrong: every failure to
// connect, a connection lost or refused, a deadline passed while waiting for
// the database, a server shutting down or out of connections, and on SQLite a
// lock still held after the busy timeout. Such failures mend themselves when
// the database comes back, so they are answered with 503 and Retry-After.
func isUnavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pgUnavailable[pe.Code] || strings.HasPrefix(pe.Code, "08") // 08: connection_exception
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff // extended codes keep the primary code in the low byte
		return c == sqliteBusy || c == sqliteLocked
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ce), errors.As(err, &oe), errors.As(err, &ne):
		return true
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, pgconn.ErrConnClosed):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return true
	}
	return false
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgUnique
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteUnique || se.Code() == sqlitePrimaryKey
	}
	return false
}

func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgForeignKey
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteForeignKey
	}
	return false
}

// affected returns NotFound for op when res changed no row.
func affected(op string, res sql.Result, err error) error {
	if err != nil {
		return dbErr(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return dbErr(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}
