package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse-auth/gatehouse/passkey"
)

var _ passkey.Store = (*Store)(nil)

const passkeyCols = `id, org_id, member_id, credential_id, name, aaguid, credential, sign_count,
	backup_eligible, backup_state, user_verified, created_at, last_used_at`

func scanPasskey(row scanner) (*passkey.Passkey, error) {
	var p passkey.Passkey
	var cred string
	var count int64
	var be, bs, uv int
	var created, used sql.NullInt64
	if err := row.Scan(&p.ID, &p.OrgID, &p.MemberID, &p.CredentialID, &p.Name, &p.AAGUID, &cred, &count,
		&be, &bs, &uv, &created, &used); err != nil {
		return nil, err
	}
	p.Credential, p.SignCount = []byte(cred), uint32(count)
	p.BackupEligible, p.BackupState, p.UserVerified = be != 0, bs != 0, uv != 0
	p.CreatedAt, p.LastUsedAt = timeOf(created), timeOf(used)
	return &p, nil
}

// CreatePasskey stores p; a credential id the organization has already is a Conflict.
func (s factorRows) CreatePasskey(ctx context.Context, p *passkey.Passkey) error {
	_, err := s.exec(ctx, `INSERT INTO passkeys (`+passkeyCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		p.ID, p.OrgID, p.MemberID, p.CredentialID, p.Name, p.AAGUID, string(p.Credential), int64(p.SignCount),
		boolInt(p.BackupEligible), boolInt(p.BackupState), boolInt(p.UserVerified), micros(p.CreatedAt), micros(p.LastUsedAt))
	return dbErr("sqlstore.CreatePasskey", err)
}

// Passkeys lists the member's passkeys, oldest first.
func (s factorRows) Passkeys(ctx context.Context, orgID, memberID string) ([]*passkey.Passkey, error) {
	const op = "sqlstore.Passkeys"
	rows, err := s.query(ctx, `SELECT `+passkeyCols+` FROM passkeys
		WHERE member_id = $1 AND org_id = $2 ORDER BY created_at, id`, memberID, orgID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []*passkey.Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, p)
	}
	return out, dbErr(op, rows.Err())
}

// PasskeyByCredential returns the organization's passkey with the credential id.
func (s factorRows) PasskeyByCredential(ctx context.Context, orgID, credentialID string) (*passkey.Passkey, error) {
	p, err := scanPasskey(s.queryRow(ctx, `SELECT `+passkeyCols+` FROM passkeys
		WHERE org_id = $1 AND credential_id = $2`, orgID, credentialID))
	return p, dbErr("sqlstore.PasskeyByCredential", err)
}

// UsePasskey records a use while the stored counter is still oldCount: one
// conditional UPDATE, so that two uses of one counter value cannot both pass.
func (s factorRows) UsePasskey(ctx context.Context, orgID, id string, oldCount, newCount uint32, backupState bool, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE passkeys SET sign_count = $4, backup_state = $5, last_used_at = $6
		WHERE id = $1 AND org_id = $2 AND sign_count = $3`,
		id, orgID, int64(oldCount), int64(newCount), boolInt(backupState), micros(at))
	return affected("sqlstore.UsePasskey", res, err)
}

// RenamePasskey sets the name of one of the member's passkeys.
func (s factorRows) RenamePasskey(ctx context.Context, orgID, memberID, id, name string) error {
	res, err := s.exec(ctx, `UPDATE passkeys SET name = $4 WHERE id = $1 AND member_id = $2 AND org_id = $3`,
		id, memberID, orgID, name)
	return affected("sqlstore.RenamePasskey", res, err)
}

// DeletePasskey removes one of the member's passkeys.
func (s factorRows) DeletePasskey(ctx context.Context, orgID, memberID, id string) error {
	res, err := s.exec(ctx, `DELETE FROM passkeys WHERE id = $1 AND member_id = $2 AND org_id = $3`, id, memberID, orgID)
	return affected("sqlstore.DeletePasskey", res, err)
}

// DeletePasskeys removes every passkey of the member.
func (s factorRows) DeletePasskeys(ctx context.Context, orgID, memberID string) (int, error) {
	res, err := s.exec(ctx, `DELETE FROM passkeys WHERE member_id = $1 AND org_id = $2`, memberID, orgID)
	return count("sqlstore.DeletePasskeys", res, err)
}

// SaveChallenge stores a ceremony begun.
func (s factorRows) SaveChallenge(ctx context.Context, c *passkey.Challenge) error {
	_, err := s.exec(ctx, `INSERT INTO passkey_challenges (id, org_id, member_id, purpose, binding, data, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.OrgID, nullString(c.MemberID), c.Purpose, c.Binding, string(c.Data), micros(c.CreatedAt), micros(c.ExpiresAt))
	return dbErr("sqlstore.SaveChallenge", err)
}

// TakeChallenge deletes and returns the challenge in one statement, so that of
// two requests with one answer only one gets it.
func (s factorRows) TakeChallenge(ctx context.Context, orgID, id, purpose, binding string, now time.Time) (*passkey.Challenge, error) {
	var c passkey.Challenge
	var member sql.NullString
	var data string
	var created, expires sql.NullInt64
	err := s.writeRow(ctx, `DELETE FROM passkey_challenges
		WHERE id = $1 AND org_id = $2 AND purpose = $3 AND binding = $4 AND expires_at > $5
		RETURNING id, org_id, member_id, purpose, binding, data, created_at, expires_at`,
		id, orgID, purpose, binding, now.UnixMicro()).
		Scan(&c.ID, &c.OrgID, &member, &c.Purpose, &c.Binding, &data, &created, &expires)
	if err != nil {
		return nil, dbErr("sqlstore.TakeChallenge", err)
	}
	c.MemberID, c.Data = member.String, []byte(data)
	c.CreatedAt, c.ExpiresAt = timeOf(created), timeOf(expires)
	return &c, nil
}

// PasskeyTx runs fn in one transaction, or in a savepoint of the current one.
func (s factorRows) PasskeyTx(ctx context.Context, fn func(passkey.Store) error) error {
	if s.tx != nil {
		return s.savepoint(ctx, func(t *Store) error { return fn(t) })
	}
	return s.inTx(ctx, func(t *Store) error { return fn(t) })
}
