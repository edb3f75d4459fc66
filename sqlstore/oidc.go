package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

var (
	_ oidc.ClientStore = (*Store)(nil)
	_ oidc.GrantStore  = (*Store)(nil)
	_ oidc.KeyStore    = (*Store)(nil)
	_ oidc.LogoutQueue = (*Store)(nil)
	_ oidc.Directory   = (*Store)(nil)
	_ oidc.Orgs        = (*Store)(nil)
)

const oidcClientCols = `id, org_id, name, secret_hash, old_secret_hash, old_secret_until, redirect_uris, post_logout_uris,
	backchannel_uri, public, first_party, offline, created_at`

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func scanOIDCClient(row scanner) (*oidc.Client, error) {
	var c oidc.Client
	var until sql.NullInt64
	var created int64
	var redirects, logouts string
	var public, first, offline int
	if err := row.Scan(&c.ID, &c.OrgID, &c.Name, &c.SecretHash, &c.OldSecretHash, &until, &redirects, &logouts,
		&c.BackchannelLogoutURI, &public, &first, &offline, &created); err != nil {
		return nil, err
	}
	c.OldSecretUntil, c.CreatedAt = timeOf(until), time.UnixMicro(created).UTC()
	c.RedirectURIs, c.PostLogoutURIs = lines(redirects), lines(logouts)
	c.Public, c.FirstParty, c.Offline = public != 0, first != 0, offline != 0
	return &c, nil
}

// CreateOIDCClient stores a new client.
func (s oidcRows) CreateOIDCClient(ctx context.Context, c *oidc.Client) error {
	_, err := s.exec(ctx, `INSERT INTO oidc_clients (`+oidcClientCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		c.ID, c.OrgID, c.Name, c.SecretHash, c.OldSecretHash, micros(c.OldSecretUntil), strings.Join(c.RedirectURIs, "\n"),
		strings.Join(c.PostLogoutURIs, "\n"), c.BackchannelLogoutURI, boolInt(c.Public), boolInt(c.FirstParty), boolInt(c.Offline),
		c.CreatedAt.UnixMicro())
	return dbErr("sqlstore.CreateOIDCClient", err)
}

// OIDCClient returns the organization's client with id.
func (s oidcRows) OIDCClient(ctx context.Context, orgID, id string) (*oidc.Client, error) {
	c, err := scanOIDCClient(s.queryRow(ctx, `SELECT `+oidcClientCols+` FROM oidc_clients WHERE org_id = $1 AND id = $2`, orgID, id))
	return c, dbErr("sqlstore.OIDCClient", err)
}

// OIDCClients lists the organization's clients by name.
func (s oidcRows) OIDCClients(ctx context.Context, orgID string) ([]*oidc.Client, error) {
	const op = "sqlstore.OIDCClients"
	rows, err := s.query(ctx, `SELECT `+oidcClientCols+` FROM oidc_clients WHERE org_id = $1 ORDER BY name, id`, orgID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []*oidc.Client
	for rows.Next() {
		c, err := scanOIDCClient(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, c)
	}
	return out, dbErr(op, rows.Err())
}

// SetOIDCClientSecret replaces the client's secret, keeping the old one until oldUntil.
func (s oidcRows) SetOIDCClientSecret(ctx context.Context, orgID, id, hash, oldHash string, oldUntil time.Time) error {
	res, err := s.exec(ctx, `UPDATE oidc_clients SET secret_hash = $3, old_secret_hash = $4, old_secret_until = $5
		WHERE org_id = $1 AND id = $2`, orgID, id, hash, oldHash, micros(oldUntil))
	return affected("sqlstore.SetOIDCClientSecret", res, err)
}

// UpdateOIDCClient writes the client's name, URIs and flags.
func (s oidcRows) UpdateOIDCClient(ctx context.Context, c *oidc.Client) error {
	res, err := s.exec(ctx, `UPDATE oidc_clients SET name = $3, redirect_uris = $4, post_logout_uris = $5, backchannel_uri = $6,
		first_party = $7, offline = $8 WHERE org_id = $1 AND id = $2`,
		c.OrgID, c.ID, c.Name, strings.Join(c.RedirectURIs, "\n"), strings.Join(c.PostLogoutURIs, "\n"), c.BackchannelLogoutURI,
		boolInt(c.FirstParty), boolInt(c.Offline))
	return affected("sqlstore.UpdateOIDCClient", res, err)
}

// DeleteOIDCClient deletes the client; its requests, codes, grants, tokens,
// consents and undelivered logouts go with it.
func (s oidcRows) DeleteOIDCClient(ctx context.Context, orgID, id string) error {
	res, err := s.exec(ctx, `DELETE FROM oidc_clients WHERE org_id = $1 AND id = $2`, orgID, id)
	return affected("sqlstore.DeleteOIDCClient", res, err)
}

// OIDCConsent returns the scopes the member approved for the client, "" if none.
func (s oidcRows) OIDCConsent(ctx context.Context, orgID, memberID, clientID string) (string, error) {
	var scope string
	err := s.queryRow(ctx, `SELECT scope FROM oidc_consents WHERE org_id = $1 AND member_id = $2 AND client_id = $3`,
		orgID, memberID, clientID).Scan(&scope)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return scope, dbErr("sqlstore.OIDCConsent", err)
}

// SaveOIDCConsent records the scopes the member approved for the client.
func (s oidcRows) SaveOIDCConsent(ctx context.Context, orgID, memberID, clientID, scope string, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO oidc_consents (org_id, member_id, client_id, scope, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (member_id, client_id) DO UPDATE SET scope = excluded.scope, created_at = excluded.created_at`,
		orgID, memberID, clientID, scope, at.UnixMicro())
	return dbErr("sqlstore.SaveOIDCConsent", err)
}

// OIDCKeys returns the organization's signing keys.
func (s oidcRows) OIDCKeys(ctx context.Context, orgID string) ([]*oidc.Key, error) {
	const op = "sqlstore.OIDCKeys"
	rows, err := s.query(ctx, `SELECT id, org_id, private, created_at FROM oidc_keys WHERE org_id = $1 ORDER BY created_at DESC`, orgID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []*oidc.Key
	for rows.Next() {
		var k oidc.Key
		var created int64
		if err := rows.Scan(&k.ID, &k.OrgID, &k.Private, &created); err != nil {
			return nil, dbErr(op, err)
		}
		k.CreatedAt = time.UnixMicro(created).UTC()
		out = append(out, &k)
	}
	return out, dbErr(op, rows.Err())
}

// AddOIDCKey stores a signing key.
func (s oidcRows) AddOIDCKey(ctx context.Context, k *oidc.Key) error {
	_, err := s.exec(ctx, `INSERT INTO oidc_keys (id, org_id, private, created_at) VALUES ($1, $2, $3, $4)`,
		k.ID, k.OrgID, k.Private, k.CreatedAt.UnixMicro())
	return dbErr("sqlstore.AddOIDCKey", err)
}

// DeleteOIDCKey deletes a retired signing key.
func (s oidcRows) DeleteOIDCKey(ctx context.Context, orgID, id string) error {
	_, err := s.exec(ctx, `DELETE FROM oidc_keys WHERE org_id = $1 AND id = $2`, orgID, id)
	return dbErr("sqlstore.DeleteOIDCKey", err)
}

// OIDCKeyOrgs returns the organizations that have signing keys.
func (s oidcRows) OIDCKeyOrgs(ctx context.Context) ([]string, error) {
	const op = "sqlstore.OIDCKeyOrgs"
	rows, err := s.query(ctx, `SELECT DISTINCT org_id FROM oidc_keys ORDER BY org_id`)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, id)
	}
	return out, dbErr(op, rows.Err())
}

// logoutQueue is the back-channel logouts as a leased queue (lease.go).
var logoutQueue = leasedQueue{table: "oidc_logouts", cols: "id, org_id, client_id, member_id, session_id, created_at, attempts",
	wait: "done_at IS NULL", due: "next_at"}

func collectLogouts(op string, rows *sql.Rows) ([]*oidc.Logout, error) {
	defer rows.Close()
	var out []*oidc.Logout
	for rows.Next() {
		var l oidc.Logout
		var created int64
		if err := rows.Scan(&l.ID, &l.OrgID, &l.ClientID, &l.MemberID, &l.SessionID, &created, &l.Attempts); err != nil {
			return nil, dbErr(op, err)
		}
		l.CreatedAt = time.UnixMicro(created).UTC()
		out = append(out, &l)
	}
	return out, dbErr(op, rows.Err())
}

// DueOIDCLogouts leases up to limit undelivered logouts due at now to worker
// until now+lease, so that no other replica sends them meanwhile.
func (s oidcRows) DueOIDCLogouts(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]*oidc.Logout, error) {
	return claimLeased(ctx, s.Store, "sqlstore.DueOIDCLogouts", logoutQueue, worker, now, lease, limit, collectLogouts,
		func(l *oidc.Logout) (time.Time, string) { return l.CreatedAt, l.ID })
}

// FinishOIDCLogout records the end of a delivery attempt and ends the lease,
// while worker still holds it.
func (s oidcRows) FinishOIDCLogout(ctx context.Context, id, worker string, done bool, next time.Time, lastErr string) error {
	var doneAt any
	if done {
		doneAt = s.db.now().UnixMicro()
	}
	res, err := s.exec(ctx, `UPDATE oidc_logouts SET attempts = attempts + 1, done_at = $3, next_at = $4, last_error = $5, `+leaseFree+`
		WHERE id = $1 AND `+leaseHeld+` AND done_at IS NULL`, id, worker, doneAt, unixMicro(next), lastErr)
	return affected("sqlstore.FinishOIDCLogout", res, err)
}

// endOIDCGrants deletes the member's grants (those of session sid only, when
// sid is set; all but those of session except, when except is set) with their
// tokens, and queues a back-channel logout to each of their clients that
// registered a back-channel URI. It returns the grants.
func (s oidcRows) endOIDCGrants(ctx context.Context, orgID, memberID, sid, except string, at time.Time) ([]*oidc.Grant, error) {
	const op = "sqlstore.endOIDCGrants"
	var gs []*oidc.Grant
	err := s.inTx(ctx, func(t *Store) error {
		q := `SELECT ` + oidcGrantCols + ` FROM oidc_grants WHERE org_id = $1 AND member_id = $2`
		args := []any{orgID, memberID}
		switch {
		case sid != "":
			q += ` AND session_id = $3`
			args = append(args, sid)
		case except != "":
			q += ` AND session_id <> $3`
			args = append(args, except)
		}
		rows, err := t.writeQuery(ctx, q, args...)
		if err != nil {
			return dbErr(op, err)
		}
		for rows.Next() {
			g, err := scanOIDCGrant(rows)
			if err != nil {
				rows.Close()
				return dbErr(op, err)
			}
			gs = append(gs, g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbErr(op, err)
		}
		notified := map[string]bool{}
		for _, g := range gs {
			if _, err := t.exec(ctx, `DELETE FROM oidc_grants WHERE id = $1`, g.ID); err != nil {
				return dbErr(op, err)
			}
			if notified[g.ClientID+" "+g.SessionID] {
				continue
			}
			notified[g.ClientID+" "+g.SessionID] = true
			// Due at once (next_at 0), whatever the clocks of the replicas say.
			if _, err := t.exec(ctx, `INSERT INTO oidc_logouts (id, org_id, client_id, member_id, session_id, created_at, next_at)
				SELECT $1, $2, id, $3, $4, $5, 0 FROM oidc_clients WHERE id = $6 AND backchannel_uri <> ''`,
				gatehouse.NewID(t.db.rand), orgID, memberID, g.SessionID, at.UnixMicro(), g.ClientID); err != nil {
				return dbErr(op, err)
			}
		}
		return nil
	})
	return gs, err
}
