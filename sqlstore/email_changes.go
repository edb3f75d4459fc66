package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse-auth/gatehouse/profile"
)

const emailChangeCols = `hash, org_id, member_id, field, new_email, old_email, in_use, created_at, expires_at, used_at`

func scanEmailChange(row scanner) (*profile.EmailChange, error) {
	var c profile.EmailChange
	var inUse int
	var created, expires, used sql.NullInt64
	if err := row.Scan(&c.Hash, &c.OrgID, &c.MemberID, &c.Field, &c.NewEmail, &c.OldEmail, &inUse, &created, &expires, &used); err != nil {
		return nil, err
	}
	c.InUse = inUse == 1
	c.CreatedAt, c.ExpiresAt, c.UsedAt = timeOf(created), timeOf(expires), timeOf(used)
	return &c, nil
}

// CreateEmailChange stores c.
func (s tokenRows) CreateEmailChange(ctx context.Context, c *profile.EmailChange) error {
	_, err := s.exec(ctx, `INSERT INTO email_changes (`+emailChangeCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.Hash, c.OrgID, c.MemberID, c.Field, c.NewEmail, c.OldEmail, boolInt(c.InUse), micros(c.CreatedAt), micros(c.ExpiresAt), micros(c.UsedAt))
	return dbErr("sqlstore.CreateEmailChange", err)
}

// PendingEmailChange returns the member's newest change neither used nor
// expired at now.
func (s tokenRows) PendingEmailChange(ctx context.Context, orgID, memberID string, now time.Time) (*profile.EmailChange, error) {
	c, err := scanEmailChange(s.queryRow(ctx, `SELECT `+emailChangeCols+` FROM email_changes
		WHERE member_id = $1 AND org_id = $2 AND used_at IS NULL AND expires_at > $3
		ORDER BY created_at DESC LIMIT 1`, memberID, orgID, now.UnixMicro()))
	return c, dbErr("sqlstore.PendingEmailChange", err)
}

// EmailChange returns the change with hash, used or not, expired or not.
func (s tokenRows) EmailChange(ctx context.Context, hash string) (*profile.EmailChange, error) {
	c, err := scanEmailChange(s.queryRow(ctx, `SELECT `+emailChangeCols+` FROM email_changes WHERE hash = $1`, hash))
	return c, dbErr("sqlstore.EmailChange", err)
}

// UseEmailChange uses the change in one conditional UPDATE: the database lets
// one of several concurrent calls match "used_at IS NULL", so a link works
// once even when it is opened twice at the same instant.
func (s tokenRows) UseEmailChange(ctx context.Context, hash string, now time.Time) (*profile.EmailChange, error) {
	c, err := scanEmailChange(s.writeRow(ctx, `UPDATE email_changes SET used_at = $2
		WHERE hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING `+emailChangeCols, hash, now.UnixMicro()))
	return c, dbErr("sqlstore.UseEmailChange", err)
}

// CancelEmailChanges marks the member's pending changes used at now.
func (s tokenRows) CancelEmailChanges(ctx context.Context, orgID, memberID string, now time.Time) (int, error) {
	res, err := s.exec(ctx, `UPDATE email_changes SET used_at = $3
		WHERE member_id = $1 AND org_id = $2 AND used_at IS NULL`, memberID, orgID, now.UnixMicro())
	return count("sqlstore.CancelEmailChanges", res, err)
}
