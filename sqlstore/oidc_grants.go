package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

const oidcRequestCols = `id, org_id, client_id, redirect_uri, scope, state, nonce, challenge, prompt, login_hint, max_age, created_at, expires_at`

// SaveOIDCRequest stores an authorization request.
func (s oidcRows) SaveOIDCRequest(ctx context.Context, r *oidc.AuthRequest) error {
	_, err := s.exec(ctx, `INSERT INTO oidc_requests (`+oidcRequestCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		r.ID, r.OrgID, r.ClientID, r.RedirectURI, r.Scope, r.State, r.Nonce, r.Challenge, r.Prompt, r.LoginHint, r.MaxAge,
		r.CreatedAt.UnixMicro(), r.ExpiresAt.UnixMicro())
	return dbErr("sqlstore.SaveOIDCRequest", err)
}

// OIDCRequest returns a stored authorization request.
func (s oidcRows) OIDCRequest(ctx context.Context, orgID, id string) (*oidc.AuthRequest, error) {
	var r oidc.AuthRequest
	var created, expires int64
	err := s.queryRow(ctx, `SELECT `+oidcRequestCols+` FROM oidc_requests WHERE org_id = $1 AND id = $2`, orgID, id).Scan(
		&r.ID, &r.OrgID, &r.ClientID, &r.RedirectURI, &r.Scope, &r.State, &r.Nonce, &r.Challenge, &r.Prompt, &r.LoginHint, &r.MaxAge,
		&created, &expires)
	if err != nil {
		return nil, dbErr("sqlstore.OIDCRequest", err)
	}
	r.CreatedAt, r.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
	return &r, nil
}

// DeleteOIDCRequest deletes an authorization request.
func (s oidcRows) DeleteOIDCRequest(ctx context.Context, orgID, id string) error {
	_, err := s.exec(ctx, `DELETE FROM oidc_requests WHERE org_id = $1 AND id = $2`, orgID, id)
	return dbErr("sqlstore.DeleteOIDCRequest", err)
}

const oidcCodeCols = `hash, org_id, client_id, member_id, redirect_uri, scope, nonce, challenge, session_id, amr, grant_id,
	auth_time, created_at, expires_at, used_at`

// CreateOIDCCode stores an authorization code.
func (s oidcRows) CreateOIDCCode(ctx context.Context, c *oidc.Code) error {
	_, err := s.exec(ctx, `INSERT INTO oidc_codes (`+oidcCodeCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		c.Hash, c.OrgID, c.ClientID, c.MemberID, c.RedirectURI, c.Scope, c.Nonce, c.Challenge, c.SessionID, c.AMR, c.GrantID,
		c.AuthTime.UnixMicro(), c.CreatedAt.UnixMicro(), c.ExpiresAt.UnixMicro(), micros(c.UsedAt))
	return dbErr("sqlstore.CreateOIDCCode", err)
}

func scanOIDCCode(row scanner) (*oidc.Code, error) {
	var c oidc.Code
	var auth, created, expires int64
	var used sql.NullInt64
	if err := row.Scan(&c.Hash, &c.OrgID, &c.ClientID, &c.MemberID, &c.RedirectURI, &c.Scope, &c.Nonce, &c.Challenge, &c.SessionID,
		&c.AMR, &c.GrantID, &auth, &created, &expires, &used); err != nil {
		return nil, err
	}
	c.AuthTime, c.CreatedAt, c.ExpiresAt = time.UnixMicro(auth).UTC(), time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
	c.UsedAt = timeOf(used)
	return &c, nil
}

// UseOIDCCode marks the code used, once: of two concurrent uses one gets the
// code and the other a Conflict.
func (s oidcRows) UseOIDCCode(ctx context.Context, hash string, now time.Time) (*oidc.Code, error) {
	const op = "sqlstore.UseOIDCCode"
	c, err := scanOIDCCode(s.writeRow(ctx, `UPDATE oidc_codes SET used_at = $2 WHERE hash = $1 AND used_at IS NULL
		RETURNING `+oidcCodeCols, hash, now.UnixMicro()))
	if err == nil {
		return c, nil
	}
	if err = dbErr(op, err); !gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, err
	}
	c, err = scanOIDCCode(s.writeRow(ctx, `SELECT `+oidcCodeCols+` FROM oidc_codes WHERE hash = $1`, hash))
	if err != nil {
		return nil, dbErr(op, err)
	}
	return c, gatehouse.Errorf(gatehouse.Conflict, op, "the code was already used")
}

const oidcGrantCols = `id, org_id, client_id, member_id, scope, session_id, amr, auth_time, created_at`

func scanOIDCGrant(row scanner) (*oidc.Grant, error) {
	var g oidc.Grant
	var auth, created int64
	if err := row.Scan(&g.ID, &g.OrgID, &g.ClientID, &g.MemberID, &g.Scope, &g.SessionID, &g.AMR, &auth, &created); err != nil {
		return nil, err
	}
	g.AuthTime, g.CreatedAt = time.UnixMicro(auth).UTC(), time.UnixMicro(created).UTC()
	return &g, nil
}

func (s oidcRows) addOIDCTokens(ctx context.Context, op string, tokens []*oidc.Token) error {
	for _, t := range tokens {
		if _, err := s.exec(ctx, `INSERT INTO oidc_tokens (hash, grant_id, kind, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.Hash, t.GrantID, t.Kind, t.CreatedAt.UnixMicro(), t.ExpiresAt.UnixMicro(), micros(t.UsedAt)); err != nil {
			return dbErr(op, err)
		}
	}
	return nil
}

// CreateOIDCGrant stores a grant and its first tokens in one transaction.
func (s oidcRows) CreateOIDCGrant(ctx context.Context, g *oidc.Grant, tokens ...*oidc.Token) error {
	const op = "sqlstore.CreateOIDCGrant"
	return s.inTx(ctx, func(t *Store) error {
		if _, err := t.exec(ctx, `INSERT INTO oidc_grants (`+oidcGrantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			g.ID, g.OrgID, g.ClientID, g.MemberID, g.Scope, g.SessionID, g.AMR, g.AuthTime.UnixMicro(), g.CreatedAt.UnixMicro()); err != nil {
			return dbErr(op, err)
		}
		return t.addOIDCTokens(ctx, op, tokens)
	})
}

// OIDCToken returns a token with its grant.
func (s oidcRows) OIDCToken(ctx context.Context, hash string) (*oidc.Token, *oidc.Grant, error) {
	var t oidc.Token
	var created, expires int64
	var used sql.NullInt64
	var g oidc.Grant
	var auth, gcreated int64
	err := s.queryRow(ctx, `SELECT t.hash, t.grant_id, t.kind, t.created_at, t.expires_at, t.used_at,
		g.id, g.org_id, g.client_id, g.member_id, g.scope, g.session_id, g.amr, g.auth_time, g.created_at
		FROM oidc_tokens t JOIN oidc_grants g ON g.id = t.grant_id WHERE t.hash = $1`, hash).Scan(
		&t.Hash, &t.GrantID, &t.Kind, &created, &expires, &used,
		&g.ID, &g.OrgID, &g.ClientID, &g.MemberID, &g.Scope, &g.SessionID, &g.AMR, &auth, &gcreated)
	if err != nil {
		return nil, nil, dbErr("sqlstore.OIDCToken", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC(), timeOf(used)
	g.AuthTime, g.CreatedAt = time.UnixMicro(auth).UTC(), time.UnixMicro(gcreated).UTC()
	return &t, &g, nil
}

// RotateOIDCRefresh marks a refresh token used and stores its successors in
// one transaction; false when the token had been used (or is gone).
func (s oidcRows) RotateOIDCRefresh(ctx context.Context, hash string, now time.Time, next ...*oidc.Token) (bool, error) {
	const op = "sqlstore.RotateOIDCRefresh"
	ok := false
	err := s.inTx(ctx, func(t *Store) error {
		res, err := t.exec(ctx, `UPDATE oidc_tokens SET used_at = $2 WHERE hash = $1 AND kind = 'refresh' AND used_at IS NULL`,
			hash, now.UnixMicro())
		n, err := count(op, res, err)
		if err != nil || n == 0 {
			return err
		}
		ok = true
		return t.addOIDCTokens(ctx, op, next)
	})
	return ok, err
}

// DeleteOIDCToken deletes one token.
func (s oidcRows) DeleteOIDCToken(ctx context.Context, hash string) error {
	_, err := s.exec(ctx, `DELETE FROM oidc_tokens WHERE hash = $1`, hash)
	return dbErr("sqlstore.DeleteOIDCToken", err)
}

// RevokeOIDCGrant deletes a grant and its tokens; NotFound when there is none.
func (s oidcRows) RevokeOIDCGrant(ctx context.Context, orgID, id string) error {
	res, err := s.exec(ctx, `DELETE FROM oidc_grants WHERE org_id = $1 AND id = $2`, orgID, id)
	return affected("sqlstore.RevokeOIDCGrant", res, err)
}

// RevokeOIDCSession ends the member's grants of the Gatehouse session sid and
// queues their back-channel logouts.
func (s oidcRows) RevokeOIDCSession(ctx context.Context, orgID, memberID, sid string, at time.Time) ([]*oidc.Grant, error) {
	if sid == "" {
		return nil, nil
	}
	return s.endOIDCGrants(ctx, orgID, memberID, sid, "", at)
}
