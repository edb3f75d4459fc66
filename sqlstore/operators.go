package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/operator"
)

var (
	_ operator.Store     = (*Store)(nil)
	_ operator.LogStore  = (*Store)(nil)
	_ operator.DeskStore = (*Store)(nil)
)

const operatorCols = `id, username, email, state, password_hash, totp_secret, totp_last_step, created_at, activated_at, updated_at`

func scanOperator(row scanner) (*operator.Operator, error) {
	var o operator.Operator
	var created, activated, updated sql.NullInt64
	if err := row.Scan(&o.ID, &o.Username, &o.Email, &o.State, &o.PasswordHash, &o.TOTPSecret, &o.TOTPLastStep,
		&created, &activated, &updated); err != nil {
		return nil, err
	}
	o.CreatedAt, o.ActivatedAt, o.UpdatedAt = timeOf(created), timeOf(activated), timeOf(updated)
	return &o, nil
}

// CreateOperator stores a pending operator, the activation token, its email
// and the log entry in one transaction.
func (s operatorRows) CreateOperator(ctx context.Context, o *operator.Operator, t *operator.Token, m *gatehouse.Message, e *operator.LogEntry) error {
	const op = "sqlstore.CreateOperator"
	return s.inTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, `INSERT INTO operators (`+operatorCols+`, username_norm)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			o.ID, o.Username, o.Email, string(o.State), o.PasswordHash, o.TOTPSecret, o.TOTPLastStep,
			micros(o.CreatedAt), micros(o.ActivatedAt), micros(o.UpdatedAt), gatehouse.NormalizeIdentifier(o.Username)); err != nil {
			return dbErr(op, err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO operator_tokens (hash, operator_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			t.Hash, t.OperatorID, micros(t.CreatedAt), micros(t.ExpiresAt)); err != nil {
			return dbErr(op, err)
		}
		if m != nil {
			if err := tx.Enqueue(ctx, m); err != nil {
				return err
			}
		}
		return tx.AppendOperatorLog(ctx, e)
	})
}

// Operator returns the operator with id.
func (s operatorRows) Operator(ctx context.Context, id string) (*operator.Operator, error) {
	o, err := scanOperator(s.queryRow(ctx, `SELECT `+operatorCols+` FROM operators WHERE id = $1`, id))
	return o, dbErr("sqlstore.Operator", err)
}

// OperatorByUsername returns the operator with the username, case-insensitively.
func (s operatorRows) OperatorByUsername(ctx context.Context, username string) (*operator.Operator, error) {
	o, err := scanOperator(s.queryRow(ctx, `SELECT `+operatorCols+` FROM operators WHERE username_norm = $1`,
		gatehouse.NormalizeIdentifier(username)))
	return o, dbErr("sqlstore.OperatorByUsername", err)
}

// Operators lists every operator, by username.
func (s operatorRows) Operators(ctx context.Context) ([]*operator.Operator, error) {
	const op = "sqlstore.Operators"
	rows, err := s.query(ctx, `SELECT `+operatorCols+` FROM operators ORDER BY username_norm`)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []*operator.Operator
	for rows.Next() {
		o, err := scanOperator(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, o)
	}
	return out, dbErr(op, rows.Err())
}

// OperatorToken returns the activation token with hash.
func (s operatorRows) OperatorToken(ctx context.Context, hash string) (*operator.Token, error) {
	var t operator.Token
	var created, expires, used sql.NullInt64
	err := s.queryRow(ctx, `SELECT hash, operator_id, created_at, expires_at, used_at FROM operator_tokens WHERE hash = $1`, hash).
		Scan(&t.Hash, &t.OperatorID, &created, &expires, &used)
	if err != nil {
		return nil, dbErr("sqlstore.OperatorToken", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = timeOf(created), timeOf(expires), timeOf(used)
	return &t, nil
}

// ActivateOperator uses the token with one conditional UPDATE (so it works
// once) and activates its pending operator, with the log entry.
func (s operatorRows) ActivateOperator(ctx context.Context, tokenHash, passwordHash string, step int64, at time.Time, e *operator.LogEntry) (*operator.Operator, error) {
	const op = "sqlstore.ActivateOperator"
	var out *operator.Operator
	err := s.inTx(ctx, func(tx *Store) error {
		var id string
		if err := tx.writeRow(ctx, `UPDATE operator_tokens SET used_at = $2
			WHERE hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING operator_id`, tokenHash, at.UnixMicro()).Scan(&id); err != nil {
			return dbErr(op, err)
		}
		o, err := scanOperator(tx.writeRow(ctx, `UPDATE operators SET state = $2, password_hash = $3, totp_last_step = $4,
			activated_at = $5, updated_at = $5 WHERE id = $1 AND state = $6 RETURNING `+operatorCols,
			id, string(operator.StateActive), passwordHash, step, at.UnixMicro(), string(operator.StatePending)))
		if err != nil {
			return dbErr(op, err)
		}
		out = o
		return tx.AppendOperatorLog(ctx, e)
	})
	return out, err
}

// UseTOTPStep records step as the latest accepted, only forwards.
func (s operatorRows) UseTOTPStep(ctx context.Context, operatorID string, step int64) error {
	const op = "sqlstore.UseTOTPStep"
	res, err := s.exec(ctx, `UPDATE operators SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2`, operatorID, step)
	n, err := count(op, res, err)
	if err != nil {
		return err
	}
	if n == 0 {
		return gatehouse.Errorf(gatehouse.Conflict, op, "the code's time step was used already")
	}
	return nil
}

const operatorSessionCols = `id, token_hash, operator_id, created_at, last_seen_at, idle_expires_at, expires_at, ip, user_agent`

// CreateOperatorSession stores an operator's session.
func (s operatorRows) CreateOperatorSession(ctx context.Context, o *operator.Session) error {
	_, err := s.exec(ctx, `INSERT INTO operator_sessions (`+operatorSessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		o.ID, o.TokenHash, o.OperatorID, micros(o.CreatedAt), micros(o.LastSeenAt), micros(o.IdleExpiresAt), micros(o.ExpiresAt),
		o.IP, o.UserAgent)
	return dbErr("sqlstore.CreateOperatorSession", err)
}

// OperatorSession returns the session whose token hash is hash.
func (s operatorRows) OperatorSession(ctx context.Context, hash string) (*operator.Session, error) {
	var o operator.Session
	var created, seen, idle, expires sql.NullInt64
	err := s.queryRow(ctx, `SELECT `+operatorSessionCols+` FROM operator_sessions WHERE token_hash = $1`, hash).
		Scan(&o.ID, &o.TokenHash, &o.OperatorID, &created, &seen, &idle, &expires, &o.IP, &o.UserAgent)
	if err != nil {
		return nil, dbErr("sqlstore.OperatorSession", err)
	}
	o.CreatedAt, o.LastSeenAt, o.IdleExpiresAt, o.ExpiresAt = timeOf(created), timeOf(seen), timeOf(idle), timeOf(expires)
	return &o, nil
}

// TouchOperatorSession records activity.
func (s operatorRows) TouchOperatorSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error {
	_, err := s.exec(ctx, `UPDATE operator_sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id = $1`,
		id, micros(lastSeen), micros(idleExpires))
	return dbErr("sqlstore.TouchOperatorSession", err)
}

// DeleteOperatorSession ends a session.
func (s operatorRows) DeleteOperatorSession(ctx context.Context, id string) error {
	_, err := s.exec(ctx, `DELETE FROM operator_sessions WHERE id = $1`, id)
	return dbErr("sqlstore.DeleteOperatorSession", err)
}
