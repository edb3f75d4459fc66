package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// A leased queue is a table whose rows workers claim for a while (a lease)
// before acting on them and recording the outcome: the outbox's messages, the
// webhook deliveries and the back-channel logouts. Each row has claimed_by
// (the worker holding it, ” when free) and claimed_until. A row may be
// claimed when it is waiting, due, and free or its lease has run out, so that
// the rows of a worker that died are taken up again once its lease ends; an
// outcome is recorded only while the worker still holds the row (leaseHeld).
type leasedQueue struct {
	table string // the table
	cols  string // the columns a claim returns
	wait  string // what makes a row waiting, e.g. "status = 'queued'"
	due   string // the column of when a row is due
	// onClaim are further assignments of a claim (", x = ..."), "" for none.
	// They read the row as it was: a claimed_by still set on a claimable
	// row is a lease that ran out.
	onClaim string
}

// leaseHeld is the condition of a write that records an outcome: the row is
// still held by the worker given as the parameter $2.
const leaseHeld = `claimed_by = $2 AND claimed_by <> ''`

// leaseFree are the assignments that end a row's lease.
const leaseFree = `claimed_by = '', claimed_until = NULL`

// claimLeased leases up to n rows of q due at now to worker until now+lease,
// oldest due first, in one UPDATE, and returns them in that order (collect
// reads them; due gives a row's due time and id). On PostgreSQL the inner
// SELECT locks the rows it picks with FOR UPDATE SKIP LOCKED, so concurrent
// claimers pick disjoint rows without waiting for each other; on SQLite
// writes are serialized and the statement alone is enough.
func claimLeased[T any](ctx context.Context, s *Store, op string, q leasedQueue, worker string, now time.Time, lease time.Duration, n int,
	collect func(op string, rows *sql.Rows) ([]T, error), due func(T) (time.Time, string)) ([]T, error) {
	if worker == "" {
		return nil, gatehouse.Errorf(gatehouse.Invalid, op, "a claim needs the name of the worker")
	}
	if n <= 0 {
		return nil, nil
	}
	lock := ""
	if s.db.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := s.writeQuery(ctx, `UPDATE `+q.table+` SET claimed_by = $1, claimed_until = $2`+q.onClaim+`
		WHERE id IN (SELECT id FROM `+q.table+` WHERE `+q.wait+` AND `+q.due+` <= $3
			AND (claimed_until IS NULL OR claimed_until <= $3)
			ORDER BY `+q.due+`, id`+limitClause(n)+lock+`)
		RETURNING `+q.cols, worker, now.Add(lease).UnixMicro(), now.UnixMicro())
	if err != nil {
		return nil, dbErr(op, err)
	}
	out, err := collect(op, rows)
	s.db.note(err)
	slices.SortFunc(out, func(a, b T) int { // RETURNING promises no order
		at, aid := due(a)
		bt, bid := due(b)
		if c := at.Compare(bt); c != 0 {
			return c
		}
		return strings.Compare(aid, bid)
	})
	return out, err
}
