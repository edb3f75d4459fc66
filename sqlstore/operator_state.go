package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/operator"
)

// ChangeOperator disables, enables or removes an operator with the log
// entry, ending their sessions, unless that leaves no active operator. On
// PostgreSQL the active operators' rows are locked first, so that two
// transactions disabling each other's operator serialize and the second sees
// the first's change; SQLite runs one writing transaction at a time.
func (s operatorRows) ChangeOperator(ctx context.Context, id string, to operator.State, at time.Time, e *operator.LogEntry) error {
	const op = "sqlstore.ChangeOperator"
	return s.inTx(ctx, func(tx *Store) error {
		lock := ""
		if tx.db.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		rows, err := tx.writeQuery(ctx, `SELECT id FROM operators WHERE state = $1 OR id = $2 ORDER BY id`+lock, string(operator.StateActive), id)
		if err != nil {
			return dbErr(op, err)
		}
		var others int
		for rows.Next() {
			var got string
			if err := rows.Scan(&got); err != nil {
				rows.Close()
				return dbErr(op, err)
			}
			if got != id {
				others++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbErr(op, err)
		}
		var st operator.State
		if err := tx.writeRow(ctx, `SELECT state FROM operators WHERE id = $1`, id).Scan(&st); err != nil {
			return dbErr(op, err)
		}
		if (to == operator.StateDisabled || to == operator.StateRemoved) && st == operator.StateActive && others == 0 {
			return gatehouse.Errorf(gatehouse.Conflict, op, "the last active operator")
		}
		if _, err := tx.exec(ctx, `DELETE FROM operator_sessions WHERE operator_id = $1`, id); err != nil {
			return dbErr(op, err)
		}
		switch to {
		case operator.StateRemoved:
			if _, err := tx.exec(ctx, `DELETE FROM operator_tokens WHERE operator_id = $1`, id); err != nil {
				return dbErr(op, err)
			}
			if _, err := tx.exec(ctx, `DELETE FROM operators WHERE id = $1`, id); err != nil {
				return dbErr(op, err)
			}
		case operator.StateActive, operator.StatePending:
			// Only a disabled operator is enabled: active again, or pending
			// again when they had never activated their account.
			if _, err := tx.exec(ctx, `UPDATE operators SET state = $2, updated_at = $3 WHERE id = $1 AND state = $4`,
				id, string(to), at.UnixMicro(), string(operator.StateDisabled)); err != nil {
				return dbErr(op, err)
			}
		default:
			if _, err := tx.exec(ctx, `UPDATE operators SET state = $2, updated_at = $3 WHERE id = $1`, id, string(to), at.UnixMicro()); err != nil {
				return dbErr(op, err)
			}
		}
		return tx.AppendOperatorLog(ctx, e)
	})
}
