package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/operator"
)

const operatorKeyCols = `id, name, hash, prefix, created_at, created_by, last_used_at, revoked_at, created_by_id`

func scanOperatorKey(row scanner) (*operator.APIKey, error) {
	var k operator.APIKey
	var created, used, revoked sql.NullInt64
	if err := row.Scan(&k.ID, &k.Name, &k.Hash, &k.Prefix, &created, &k.CreatedBy, &used, &revoked, &k.CreatedByID); err != nil {
		return nil, err
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = timeOf(created), timeOf(used), timeOf(revoked)
	return &k, nil
}

// CreateOperatorAPIKey stores k with the log entry.
func (s operatorRows) CreateOperatorAPIKey(ctx context.Context, k *operator.APIKey, e *operator.LogEntry) error {
	const op = "sqlstore.CreateOperatorAPIKey"
	return s.inTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `INSERT INTO operator_api_keys (`+operatorKeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			k.ID, k.Name, k.Hash, k.Prefix, micros(k.CreatedAt), k.CreatedBy, micros(k.LastUsedAt), micros(k.RevokedAt), k.CreatedByID); err != nil {
			return dbErr(op, err)
		}
		return tx.AppendOperatorLog(ctx, e)
	})
}

// OperatorAPIKeyByHash returns the key with hash, revoked or not.
func (s operatorRows) OperatorAPIKeyByHash(ctx context.Context, hash string) (*operator.APIKey, error) {
	k, err := scanOperatorKey(s.queryRow(ctx, `SELECT `+operatorKeyCols+` FROM operator_api_keys WHERE hash = $1`, hash))
	return k, dbErr("sqlstore.OperatorAPIKeyByHash", err)
}

// OperatorAPIKeys lists every operator key, newest first.
func (s operatorRows) OperatorAPIKeys(ctx context.Context) ([]*operator.APIKey, error) {
	const op = "sqlstore.OperatorAPIKeys"
	rows, err := s.query(ctx, `SELECT `+operatorKeyCols+` FROM operator_api_keys ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []*operator.APIKey
	for rows.Next() {
		k, err := scanOperatorKey(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, k)
	}
	return out, dbErr(op, rows.Err())
}

// TouchOperatorAPIKey sets the key's last use to at, unless it is less than
// every older already (a concurrent call did it).
func (s operatorRows) TouchOperatorAPIKey(ctx context.Context, id string, at time.Time, every time.Duration) error {
	_, err := s.exec(ctx, `UPDATE operator_api_keys SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`, id, at.UnixMicro(), at.Add(-every).UnixMicro())
	return dbErr("sqlstore.TouchOperatorAPIKey", err)
}

// RevokeOperatorAPIKey revokes an unrevoked key, with the log entry.
func (s operatorRows) RevokeOperatorAPIKey(ctx context.Context, id string, at time.Time, e *operator.LogEntry) error {
	const op = "sqlstore.RevokeOperatorAPIKey"
	return s.inTx(ctx, func(tx *Store) error {
		res, err := tx.exec(ctx, `UPDATE operator_api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, at.UnixMicro())
		n, err := count(op, res, err)
		if err != nil {
			return err
		}
		if n == 0 {
			return gatehouse.Errorf(gatehouse.NotFound, op, "no such unrevoked key")
		}
		return tx.AppendOperatorLog(ctx, e)
	})
}

// AppendOperatorLog adds an entry to the operator log.
func (s operatorRows) AppendOperatorLog(ctx context.Context, e *operator.LogEntry) error {
	if e == nil {
		return nil
	}
	_, err := s.exec(ctx, `INSERT INTO operator_log (id, occurred_at, operator_id, operator_name, action, org_id, target,
		reason, ticket, ip, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.ID, e.At.UnixMicro(), e.OperatorID, storableText(e.OperatorName), e.Action, e.OrgID, e.Target,
		storableText(e.Reason), storableText(e.Ticket), e.IP, storableText(e.Details))
	return dbErr("sqlstore.AppendOperatorLog", err)
}

// storableText makes text PostgreSQL accepts: valid UTF-8 without NUL.
func storableText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// OperatorLog returns a page of the operator log, newest first.
func (s operatorRows) OperatorLog(ctx context.Context, f operator.LogFilter) ([]*operator.LogEntry, string, error) {
	const op = "sqlstore.OperatorLog"
	var a args
	where := []string{"1 = 1"}
	if f.OrgID != "" {
		where = append(where, "org_id = "+a.add(f.OrgID))
	}
	if !f.Since.IsZero() {
		where = append(where, "occurred_at >= "+a.add(f.Since.UnixMicro()))
	}
	if !f.Until.IsZero() {
		where = append(where, "occurred_at < "+a.add(f.Until.UnixMicro()))
	}
	if f.Cursor != "" {
		at, id, err := parseTimeCursor(op, f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(occurred_at, id) < ("+a.add(at)+", "+a.add(id)+")")
	}
	limit := pageLimit(f.Limit)
	rows, err := s.query(ctx, `SELECT id, occurred_at, operator_id, operator_name, action, org_id, target, reason, ticket, ip, details
		FROM operator_log WHERE `+strings.Join(where, " AND ")+` ORDER BY occurred_at DESC, id DESC LIMIT `+a.add(limit+1), a...)
	if err != nil {
		return nil, "", dbErr(op, err)
	}
	defer rows.Close()
	var out []*operator.LogEntry
	for rows.Next() {
		var e operator.LogEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.OperatorID, &e.OperatorName, &e.Action, &e.OrgID, &e.Target, &e.Reason, &e.Ticket, &e.IP, &e.Details); err != nil {
			return nil, "", dbErr(op, err)
		}
		e.At = timeOf(nullInt(at))
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", dbErr(op, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = timeCursor(last.At, last.ID)
	}
	return out, next, nil
}

// RecordPINCheck writes the audit event and log entry of a PIN check.
func (s operatorRows) RecordPINCheck(ctx context.Context, ev *gatehouse.AuditEvent, e *operator.LogEntry) error {
	return s.inTx(ctx, func(tx *Store) error {
		if err := tx.AddAudit(ctx, ev); err != nil {
			return err
		}
		return tx.AppendOperatorLog(ctx, e)
	})
}

// RecordOwnerRecovery writes an owner recovery in one transaction.
func (s operatorRows) RecordOwnerRecovery(ctx context.Context, r operator.Recovery) error {
	return s.inTx(ctx, func(tx *Store) error {
		if _, err := tx.RevokeTokens(ctx, r.Token.OrgID, r.Token.MemberID, r.Token.Purpose, r.Token.CreatedAt); err != nil {
			return err
		}
		if err := tx.CreateToken(ctx, r.Token); err != nil {
			return err
		}
		for _, m := range r.Messages {
			if err := tx.Enqueue(ctx, m); err != nil {
				return err
			}
		}
		if err := tx.AddAudit(ctx, r.Event); err != nil {
			return err
		}
		return tx.AppendOperatorLog(ctx, r.Entry)
	})
}
