package sqlstore_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// TestUnavailableErrors checks which errors mean "the database cannot serve
// now" (503, retry) and which mean a wrong statement (500).
func TestUnavailableErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want gatehouse.Code
	}{
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, gatehouse.Unavailable},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), gatehouse.Unavailable},
		{"bad connection", driver.ErrBadConn, gatehouse.Unavailable},
		{"connection lost mid-answer", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), gatehouse.Unavailable},
		{"connection closed", pgconn.ErrConnClosed, gatehouse.Unavailable},
		{"deadline while connecting", &pgconn.ConnectError{}, gatehouse.Unavailable},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), gatehouse.Unavailable},
		{"server shutting down", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, gatehouse.Unavailable},
		{"server starting or stopping", &pgconn.PgError{Code: "57P03", Message: "the database system is shutting down"}, gatehouse.Unavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, gatehouse.Unavailable},
		{"connection exception", &pgconn.PgError{Code: "08006"}, gatehouse.Unavailable},
		{"disk full", &pgconn.PgError{Code: "53100", Message: "could not extend file: No space left on device"}, gatehouse.Unavailable},
		{"insufficient resources", &pgconn.PgError{Code: "53000"}, gatehouse.Unavailable},
		{"out of memory", &pgconn.PgError{Code: "53200"}, gatehouse.Unavailable},
		{"I/O error", &pgconn.PgError{Code: "58030", Message: "could not write to file"}, gatehouse.Unavailable},
		{"read-only after a failover", &pgconn.PgError{Code: "25006", Message: "cannot execute UPDATE in a read-only transaction"}, gatehouse.Unavailable},
		{"no space", fmt.Errorf("write: %w", syscall.ENOSPC), gatehouse.Unavailable},
		{"read-only file system", fmt.Errorf("open: %w", syscall.EROFS), gatehouse.Unavailable},
		{"syntax error", &pgconn.PgError{Code: "42601", Message: "syntax error"}, gatehouse.Internal},
		{"missing table", &pgconn.PgError{Code: "42P01"}, gatehouse.Internal},
		{"unique violation", &pgconn.PgError{Code: "23505"}, gatehouse.Conflict},
		{"anything else", fmt.Errorf("something odd"), gatehouse.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sqlstore.DBErr("op", tt.err)
			if got := gatehouse.ErrorCode(err); got != tt.want {
				t.Errorf("code %s, want %s (%v)", got, tt.want, err)
			}
			if tt.want == gatehouse.Unavailable {
				var e *gatehouse.Error
				if !errors.As(err, &e) || e.RetryAfter <= 0 {
					t.Errorf("no Retry-After: %v", err)
				}
			}
		})
	}
}

// TestOutageMidTransaction cuts the connection to PostgreSQL in the middle of
// a transaction: the error says Unavailable, nothing of the transaction stays,
// and the same Store works again once the database is back.
func TestOutageMidTransaction(t *testing.T) {
	url := gatehousetest.PostgresURL(t)
	direct := gatehousetest.NewStore(t, url)
	proxy, viaProxy := gatehousetest.NewPostgresProxy(t, url)
	s, err := sqlstore.Open(ctx, viaProxy, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	m := newMember("halfway")
	err = s.Tx(ctx, func(tx *sqlstore.Store) error {
		if err := tx.CreateMember(ctx, m); err != nil {
			return err
		}
		proxy.Cut()
		return tx.AddAudit(ctx, &gatehouse.AuditEvent{ID: gatehouse.NewID(nil), OrgID: m.OrgID, At: t0,
			Type: gatehouse.EventSignIn, ActorKind: gatehouse.ActorSystem, MemberID: m.ID})
	})
	if !gatehouse.IsCode(err, gatehouse.Unavailable) {
		t.Errorf("Tx cut off in the middle: %v, want Unavailable", err)
	}
	if err := s.Ping(ctx); !gatehouse.IsCode(err, gatehouse.Unavailable) {
		t.Errorf("Ping while cut off: %v, want Unavailable", err)
	}
	if _, err := s.Member(ctx, m.OrgID, m.ID); !gatehouse.IsCode(err, gatehouse.Unavailable) {
		t.Errorf("a read while cut off: %v, want Unavailable", err)
	}
	if _, err := direct.Member(ctx, m.OrgID, m.ID); !gatehouse.IsCode(err, gatehouse.NotFound) {
		t.Errorf("the member written before the cut: %v, want NotFound (rolled back)", err)
	}

	proxy.Restore()
	// The pool drops its broken connections and opens new ones by itself.
	if err := s.CreateMember(ctx, m); err != nil {
		t.Fatalf("CreateMember after the database came back: %v", err)
	}
	if _, err := direct.Member(ctx, m.OrgID, m.ID); err != nil {
		t.Errorf("the member written after the outage: %v", err)
	}
}

// TestSQLiteBusy has another process (another Store on the file) hold the
// write lock longer than the busy timeout: the waiting write is Unavailable,
// not Internal.
func TestSQLiteBusy(t *testing.T) {
	url := gatehousetest.SQLiteURL(t)
	holder := gatehousetest.NewStore(t, url)
	waiter, err := sqlstore.Open(ctx, url, sqlstore.Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { waiter.Close() })
	err = holder.Tx(ctx, func(tx *sqlstore.Store) error {
		if err := tx.CreateMember(ctx, newMember("holder")); err != nil {
			return err
		}
		err := waiter.CreateMember(ctx, newMember("waiter"))
		if !gatehouse.IsCode(err, gatehouse.Unavailable) {
			t.Errorf("a write blocked past the busy timeout: %v, want Unavailable", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
