package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

const confirmationCols = `id, org_id, actor_id, kind, payload, result, created_at, expires_at, used_at`

func scanConfirmation(row scanner) (*gatehouse.Confirmation, error) {
	var c gatehouse.Confirmation
	var created, expires, used sql.NullInt64
	if err := row.Scan(&c.ID, &c.OrgID, &c.ActorID, &c.Kind, &c.Payload, &c.Result, &created, &expires, &used); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ExpiresAt, c.UsedAt = timeOf(created), timeOf(expires), timeOf(used)
	return &c, nil
}

// CreateConfirmation stores c, unused. An unknown organization is NotFound.
func (s tokenRows) CreateConfirmation(ctx context.Context, c *gatehouse.Confirmation) error {
	_, err := s.exec(ctx, `INSERT INTO confirmations (`+confirmationCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.OrgID, c.ActorID, c.Kind, c.Payload, c.Result, micros(c.CreatedAt), micros(c.ExpiresAt), micros(c.UsedAt))
	return dbErr("sqlstore.CreateConfirmation", err)
}

// Confirmation returns the organization's confirmation with id, used or not.
func (s tokenRows) Confirmation(ctx context.Context, orgID, id string) (*gatehouse.Confirmation, error) {
	c, err := scanConfirmation(s.queryRow(ctx, `SELECT `+confirmationCols+` FROM confirmations WHERE org_id = $1 AND id = $2`, orgID, id))
	return c, dbErr("sqlstore.Confirmation", err)
}

// UseConfirmation redeems the confirmation in one conditional UPDATE: of
// concurrent calls the database lets one match "used_at IS NULL"; on
// PostgreSQL the others wait for its transaction to end and then match
// nothing, on SQLite they wait for the single writer.
func (s tokenRows) UseConfirmation(ctx context.Context, orgID, id string, now time.Time) (*gatehouse.Confirmation, error) {
	c, err := scanConfirmation(s.writeRow(ctx, `UPDATE confirmations SET used_at = $3
		WHERE org_id = $1 AND id = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING `+confirmationCols, orgID, id, now.UnixMicro()))
	return c, dbErr("sqlstore.UseConfirmation", err)
}

// SetConfirmationResult stores what a redeemed confirmation did.
func (s tokenRows) SetConfirmationResult(ctx context.Context, orgID, id, result string) error {
	res, err := s.exec(ctx, `UPDATE confirmations SET result = $3 WHERE org_id = $1 AND id = $2`, orgID, id, result)
	return affected("sqlstore.SetConfirmationResult", res, err)
}
