package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

const apiKeyCols = `id, org_id, name, role, hash, prefix, created_at, created_by, last_used_at, revoked_at`

func scanAPIKey(row scanner) (*gatehouse.APIKey, error) {
	var k gatehouse.APIKey
	var created, used, revoked sql.NullInt64
	if err := row.Scan(&k.ID, &k.OrgID, &k.Name, &k.Role, &k.Hash, &k.Prefix, &created, &k.CreatedBy, &used, &revoked); err != nil {
		return nil, err
	}
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = timeOf(created), timeOf(used), timeOf(revoked)
	return &k, nil
}

// CreateAPIKey stores k. A name taken by an unrevoked key of the organization
// (or, impossibly, a hash already stored) is a Conflict.
func (s sessionRows) CreateAPIKey(ctx context.Context, k *gatehouse.APIKey) error {
	_, err := s.exec(ctx, `INSERT INTO api_keys (`+apiKeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		k.ID, k.OrgID, k.Name, string(k.Role), k.Hash, k.Prefix, micros(k.CreatedAt), k.CreatedBy,
		micros(k.LastUsedAt), micros(k.RevokedAt))
	return dbErr("sqlstore.CreateAPIKey", err)
}

// APIKeyByHash returns the key whose hash is hash, revoked or not: the lookup
// of every API request, one indexed read.
func (s sessionRows) APIKeyByHash(ctx context.Context, hash string) (*gatehouse.APIKey, error) {
	k, err := scanAPIKey(s.queryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE hash = $1`, hash))
	return k, dbErr("sqlstore.APIKeyByHash", err)
}

// APIKey returns the organization's key with id.
func (s sessionRows) APIKey(ctx context.Context, orgID, id string) (*gatehouse.APIKey, error) {
	k, err := scanAPIKey(s.queryRow(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE org_id = $1 AND id = $2`, orgID, id))
	return k, dbErr("sqlstore.APIKey", err)
}

// APIKeys lists the organization's keys, newest first, revoked ones included.
func (s sessionRows) APIKeys(ctx context.Context, orgID string) ([]*gatehouse.APIKey, error) {
	const op = "sqlstore.APIKeys"
	rows, err := s.query(ctx, `SELECT `+apiKeyCols+` FROM api_keys WHERE org_id = $1
		ORDER BY created_at DESC, id DESC`, orgID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []*gatehouse.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, k)
	}
	return out, dbErr(op, rows.Err())
}

// RevokeAPIKey marks the key revoked at at; NotFound when it is unknown or was
// revoked already.
func (s sessionRows) RevokeAPIKey(ctx context.Context, orgID, id string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE api_keys SET revoked_at = $3
		WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL`, orgID, id, micros(at))
	return affected("sqlstore.RevokeAPIKey", res, err)
}

// TouchAPIKey records a use at at unless one was recorded after at - every. The
// condition is in the UPDATE, so replicas racing to record the same minute
// write once between them; an unknown key is not an error.
func (s sessionRows) TouchAPIKey(ctx context.Context, id string, at time.Time, every time.Duration) error {
	_, err := s.exec(ctx, `UPDATE api_keys SET last_used_at = $2
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`, id, at.UnixMicro(), at.Add(-every).UnixMicro())
	return dbErr("sqlstore.TouchAPIKey", err)
}

// LockOrganization locks the organization's row until the transaction ends. On
// PostgreSQL it is SELECT … FOR NO KEY UPDATE: two holders exclude each other,
// but the rows that merely refer to the organization (audit events, messages,
// sessions: their foreign keys take KEY SHARE) can still be written meanwhile.
// FOR UPDATE would make every such insert in the organization wait, and a
// transaction that had locked a member and then audited would deadlock with
// one that held the organization and wanted that member. On SQLite every
// transaction already holds the database's single write lock (BEGIN
// IMMEDIATE), so there is nothing more to take.
func (s sessionRows) LockOrganization(ctx context.Context, orgID string) error {
	const op = "sqlstore.LockOrganization"
	if s.db.dialect != Postgres {
		return nil
	}
	var id string
	err := s.writeRow(ctx, `SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, orgID).Scan(&id)
	return dbErr(op, err)
}
