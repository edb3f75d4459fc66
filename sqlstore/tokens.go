package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

const tokenCols = `hash, org_id, member_id, purpose, created_at, expires_at, used_at, sent_to`

func scanToken(row scanner) (*gatehouse.Token, error) {
	var t gatehouse.Token
	var member sql.NullString
	var created, expires, used sql.NullInt64
	if err := row.Scan(&t.Hash, &t.OrgID, &member, &t.Purpose, &created, &expires, &used, &t.SentTo); err != nil {
		return nil, err
	}
	t.MemberID = member.String
	t.CreatedAt, t.ExpiresAt, t.UsedAt = timeOf(created), timeOf(expires), timeOf(used)
	return &t, nil
}

// CreateToken stores t. A token for a member that does not exist is NotFound.
func (s tokenRows) CreateToken(ctx context.Context, t *gatehouse.Token) error {
	_, err := s.exec(ctx, `INSERT INTO tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.Hash, t.OrgID, nullString(t.MemberID), string(t.Purpose), micros(t.CreatedAt), micros(t.ExpiresAt), micros(t.UsedAt), t.SentTo)
	return dbErr("sqlstore.CreateToken", err)
}

// Token returns the token with hash, used or not, expired or not.
func (s tokenRows) Token(ctx context.Context, hash string) (*gatehouse.Token, error) {
	t, err := scanToken(s.queryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = $1`, hash))
	return t, dbErr("sqlstore.Token", err)
}

// UseToken redeems the token in one conditional UPDATE: the database lets only
// one of several concurrent calls match "used_at IS NULL", so a link works once
// even when clicked twice at the same instant.
func (s tokenRows) UseToken(ctx context.Context, hash string, now time.Time) (*gatehouse.Token, error) {
	t, err := scanToken(s.writeRow(ctx, `UPDATE tokens SET used_at = $2
		WHERE hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING `+tokenCols, hash, now.UnixMicro()))
	return t, dbErr("sqlstore.UseToken", err)
}

// RevokeTokens marks as used at now every unused token of the member with the
// purpose, and returns how many. memberID "" means the tokens about no member
// (setup links).
func (s tokenRows) RevokeTokens(ctx context.Context, orgID, memberID string, purpose gatehouse.TokenPurpose, now time.Time) (int, error) {
	if memberID == "" {
		res, err := s.exec(ctx, `UPDATE tokens SET used_at = $3
			WHERE member_id IS NULL AND purpose = $1 AND org_id = $2 AND used_at IS NULL`,
			string(purpose), orgID, now.UnixMicro())
		return count("sqlstore.RevokeTokens", res, err)
	}
	res, err := s.exec(ctx, `UPDATE tokens SET used_at = $4
		WHERE member_id = $1 AND purpose = $2 AND org_id = $3 AND used_at IS NULL`,
		memberID, string(purpose), orgID, now.UnixMicro())
	return count("sqlstore.RevokeTokens", res, err)
}
