package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"

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
// organization or member) is NotFound, and anything else is Internal.
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
	}
	return gatehouse.Wrap(op, err)
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
