package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

const sentCodeCols = `id, org_id, member_id, session_id, purpose, channel, recipient, code_hash,
	created_at, expires_at, attempts, used_at, message_id`

func scanSentCode(row scanner) (*gatehouse.SentCode, error) {
	var c gatehouse.SentCode
	var created, expires, used sql.NullInt64
	if err := row.Scan(&c.ID, &c.OrgID, &c.MemberID, &c.SessionID, &c.Purpose, &c.Channel, &c.To, &c.Hash,
		&created, &expires, &c.Attempts, &used, &c.MessageID); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = timeOf(created), timeOf(expires), timeOf(used)
	return &c, nil
}

// SaveCode stores c as the code of its session and purpose in one upsert. The
// replaced row's wrong tries carry over unless it was used or dead (deadAt), so
// that concurrent tries and a resend cannot lose a count between a read and a
// write.
func (s factorRows) SaveCode(ctx context.Context, c *gatehouse.SentCode, deadAt int) error {
	err := s.writeRow(ctx, `INSERT INTO sent_codes (`+sentCodeCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (session_id, purpose) DO UPDATE SET
			id = excluded.id, channel = excluded.channel, recipient = excluded.recipient,
			code_hash = excluded.code_hash, created_at = excluded.created_at, expires_at = excluded.expires_at,
			attempts = CASE WHEN sent_codes.used_at IS NOT NULL OR sent_codes.attempts >= $14 THEN excluded.attempts
				ELSE sent_codes.attempts END,
			used_at = NULL, message_id = excluded.message_id
		RETURNING attempts`,
		c.ID, c.OrgID, c.MemberID, c.SessionID, string(c.Purpose), string(c.Channel), c.To, c.Hash,
		micros(c.CreatedAt), micros(c.ExpiresAt), c.Attempts, micros(c.UsedAt), c.MessageID, deadAt).Scan(&c.Attempts)
	return dbErr("sqlstore.SaveCode", err)
}

// SessionCode returns the session's code for the purpose.
func (s factorRows) SessionCode(ctx context.Context, orgID, sessionID string, purpose gatehouse.CodePurpose) (*gatehouse.SentCode, error) {
	c, err := scanSentCode(s.queryRow(ctx, `SELECT `+sentCodeCols+` FROM sent_codes
		WHERE org_id = $1 AND session_id = $2 AND purpose = $3`, orgID, sessionID, string(purpose)))
	return c, dbErr("sqlstore.SessionCode", err)
}

// TryCode compares and counts in one conditional UPDATE, so that concurrent
// tries can neither both succeed nor get past maxAttempts together. The hash
// is an HMAC: comparing it in SQL leaks nothing worth timing.
func (s factorRows) TryCode(ctx context.Context, id, hash string, now time.Time, maxAttempts int) (*gatehouse.SentCode, error) {
	c, err := scanSentCode(s.writeRow(ctx, `UPDATE sent_codes SET
			used_at = CASE WHEN code_hash = $2 THEN CAST($3 AS BIGINT) ELSE NULL END,
			attempts = CASE WHEN code_hash = $2 THEN attempts ELSE attempts + 1 END
		WHERE id = $1 AND used_at IS NULL AND expires_at > $3 AND attempts < $4
		RETURNING `+sentCodeCols, id, hash, now.UnixMicro(), maxAttempts))
	return c, dbErr("sqlstore.TryCode", err)
}

const deviceCols = `id, org_id, member_id, token_hash, created_at, last_used_at, expires_at, ip, user_agent`

func scanDevice(row scanner) (*gatehouse.TrustedDevice, error) {
	var d gatehouse.TrustedDevice
	var created, used, expires sql.NullInt64
	if err := row.Scan(&d.ID, &d.OrgID, &d.MemberID, &d.TokenHash, &created, &used, &expires, &d.IP, &d.UserAgent); err != nil {
		return nil, err
	}
	d.CreatedAt, d.LastUsedAt, d.ExpiresAt = timeOf(created), timeOf(used), timeOf(expires)
	return &d, nil
}

// CreateTrustedDevice stores d; an unknown member is NotFound.
func (s factorRows) CreateTrustedDevice(ctx context.Context, d *gatehouse.TrustedDevice) error {
	_, err := s.exec(ctx, `INSERT INTO trusted_devices (`+deviceCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		d.ID, d.OrgID, d.MemberID, d.TokenHash, micros(d.CreatedAt), micros(d.LastUsedAt), micros(d.ExpiresAt), d.IP, d.UserAgent)
	return dbErr("sqlstore.CreateTrustedDevice", err)
}

// TrustedDeviceByToken returns the device with the token hash, expired or not.
func (s factorRows) TrustedDeviceByToken(ctx context.Context, hash string) (*gatehouse.TrustedDevice, error) {
	d, err := scanDevice(s.queryRow(ctx, `SELECT `+deviceCols+` FROM trusted_devices WHERE token_hash = $1`, hash))
	return d, dbErr("sqlstore.TrustedDeviceByToken", err)
}

// TouchTrustedDevice records a use: when and from where.
func (s factorRows) TouchTrustedDevice(ctx context.Context, id string, at time.Time, ip, userAgent string) error {
	res, err := s.exec(ctx, `UPDATE trusted_devices SET last_used_at = $2, ip = $3, user_agent = $4 WHERE id = $1`,
		id, micros(at), ip, userAgent)
	return affected("sqlstore.TouchTrustedDevice", res, err)
}

// TrustedDevices lists the member's devices unexpired at now, newest first.
func (s factorRows) TrustedDevices(ctx context.Context, orgID, memberID string, now time.Time) ([]*gatehouse.TrustedDevice, error) {
	const op = "sqlstore.TrustedDevices"
	rows, err := s.query(ctx, `SELECT `+deviceCols+` FROM trusted_devices
		WHERE member_id = $1 AND org_id = $2 AND expires_at > $3
		ORDER BY created_at DESC, id DESC`, memberID, orgID, now.UnixMicro())
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []*gatehouse.TrustedDevice
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, d)
	}
	return out, dbErr(op, rows.Err())
}

// DeleteTrustedDevice forgets one of the member's devices.
func (s factorRows) DeleteTrustedDevice(ctx context.Context, orgID, memberID, id string) error {
	res, err := s.exec(ctx, `DELETE FROM trusted_devices WHERE id = $1 AND member_id = $2 AND org_id = $3`, id, memberID, orgID)
	return affected("sqlstore.DeleteTrustedDevice", res, err)
}

// DeleteTrustedDevices forgets every device of the member.
func (s factorRows) DeleteTrustedDevices(ctx context.Context, orgID, memberID string) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM trusted_devices WHERE member_id = $1 AND org_id = $2`, memberID, orgID)
	return count("sqlstore.DeleteTrustedDevices", res, err)
}

// SaveAuthenticator stores a, replacing the member's authenticator if any.
func (s factorRows) SaveAuthenticator(ctx context.Context, a *gatehouse.Authenticator) error {
	_, err := s.exec(ctx, `INSERT INTO authenticators (member_id, org_id, secret, created_at, confirmed_at, last_step)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (member_id) DO UPDATE SET org_id = excluded.org_id, secret = excluded.secret,
			created_at = excluded.created_at, confirmed_at = excluded.confirmed_at, last_step = excluded.last_step`,
		a.MemberID, a.OrgID, a.Secret, micros(a.CreatedAt), micros(a.ConfirmedAt), a.LastStep)
	return dbErr("sqlstore.SaveAuthenticator", err)
}

// Authenticator returns the member's authenticator, pending or confirmed.
func (s factorRows) Authenticator(ctx context.Context, orgID, memberID string) (*gatehouse.Authenticator, error) {
	var a gatehouse.Authenticator
	var created, confirmed sql.NullInt64
	err := s.queryRow(ctx, `SELECT member_id, org_id, secret, created_at, confirmed_at, last_step
		FROM authenticators WHERE member_id = $1 AND org_id = $2`, memberID, orgID).
		Scan(&a.MemberID, &a.OrgID, &a.Secret, &created, &confirmed, &a.LastStep)
	if err != nil {
		return nil, dbErr("sqlstore.Authenticator", err)
	}
	a.CreatedAt, a.ConfirmedAt = timeOf(created), timeOf(confirmed)
	return &a, nil
}

// UseAuthenticatorStep moves last_step forward in one conditional UPDATE: of
// two requests with the same code only one can match "last_step < step".
func (s factorRows) UseAuthenticatorStep(ctx context.Context, orgID, memberID string, step int64, at time.Time) error {
	const op = "sqlstore.UseAuthenticatorStep"
	res, err := s.exec(ctx, `UPDATE authenticators SET last_step = $3,
			confirmed_at = COALESCE(confirmed_at, $4)
		WHERE member_id = $1 AND org_id = $2 AND last_step < $3`, memberID, orgID, step, micros(at))
	n, err := count(op, res, err)
	if err != nil {
		return err
	}
	if n == 0 {
		return &gatehouse.Error{Code: gatehouse.Conflict, Op: op, Message: "the code was already used"}
	}
	return nil
}

// DeleteAuthenticator removes the member's authenticator.
func (s factorRows) DeleteAuthenticator(ctx context.Context, orgID, memberID string) error {
	res, err := s.exec(ctx, `DELETE FROM authenticators WHERE member_id = $1 AND org_id = $2`, memberID, orgID)
	return affected("sqlstore.DeleteAuthenticator", res, err)
}

// ReplaceRecoveryCodes swaps the member's recovery codes for new ones, in a
// transaction of its own when not already in one.
func (s factorRows) ReplaceRecoveryCodes(ctx context.Context, orgID, memberID string, hashes []string, at time.Time) error {
	const op = "sqlstore.ReplaceRecoveryCodes"
	return s.inTx(ctx, func(t *Store) error {
		if _, err := t.exec(ctx, `DELETE FROM recovery_codes WHERE member_id = $1 AND org_id = $2`, memberID, orgID); err != nil {
			return dbErr(op, err)
		}
		for _, h := range hashes {
			if _, err := t.exec(ctx, `INSERT INTO recovery_codes (member_id, code_hash, org_id, created_at)
				VALUES ($1, $2, $3, $4)`, memberID, h, orgID, micros(at)); err != nil {
				return dbErr(op, err)
			}
		}
		return nil
	})
}

// UseRecoveryCode marks an unused code used in one conditional UPDATE.
func (s factorRows) UseRecoveryCode(ctx context.Context, orgID, memberID, hash string, now time.Time) error {
	res, err := s.exec(ctx, `UPDATE recovery_codes SET used_at = $4
		WHERE member_id = $1 AND org_id = $2 AND code_hash = $3 AND used_at IS NULL`, memberID, orgID, hash, now.UnixMicro())
	return affected("sqlstore.UseRecoveryCode", res, err)
}

// RecoveryCodesLeft counts the member's unused recovery codes.
func (s factorRows) RecoveryCodesLeft(ctx context.Context, orgID, memberID string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE member_id = $1 AND org_id = $2 AND used_at IS NULL`,
		memberID, orgID).Scan(&n)
	return n, dbErr("sqlstore.RecoveryCodesLeft", err)
}
