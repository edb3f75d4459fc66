package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

const sessionCols = `s.id, s.token_hash, s.org_id, s.member_id, s.stage, s.after_reset, s.created_at,
	s.last_seen_at, s.idle_expires_at, s.expires_at, s.ip, s.user_agent`

// sessionDest returns the scan targets of sessionCols for ss, and a function
// that converts the stored values once the row has been scanned.
func sessionDest(ss *gatehouse.Session) ([]any, func()) {
	var afterReset int
	var created, seen, idle, expires sql.NullInt64
	dest := []any{&ss.ID, &ss.TokenHash, &ss.OrgID, &ss.MemberID, &ss.Stage, &afterReset, &created,
		&seen, &idle, &expires, &ss.IP, &ss.UserAgent}
	return dest, func() {
		ss.AfterReset = afterReset != 0
		ss.CreatedAt, ss.LastSeenAt = timeOf(created), timeOf(seen)
		ss.IdleExpiresAt, ss.ExpiresAt = timeOf(idle), timeOf(expires)
	}
}

// endsAt is the earlier expiry, stored as ends_at so that expiry is one column.
func endsAt(idle, absolute time.Time) time.Time {
	if idle.Before(absolute) {
		return idle
	}
	return absolute
}

// CreateSession stores ss. The member must exist (NotFound otherwise); a
// TokenHash already in use is a Conflict.
func (s sessionRows) CreateSession(ctx context.Context, ss *gatehouse.Session) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (id, token_hash, org_id, member_id, stage,
		after_reset, created_at, last_seen_at, idle_expires_at, expires_at, ends_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		ss.ID, ss.TokenHash, ss.OrgID, ss.MemberID, string(ss.Stage), boolInt(ss.AfterReset),
		micros(ss.CreatedAt), micros(ss.LastSeenAt), micros(ss.IdleExpiresAt), micros(ss.ExpiresAt),
		micros(endsAt(ss.IdleExpiresAt, ss.ExpiresAt)), ss.IP, ss.UserAgent)
	return dbErr("sqlstore.CreateSession", err)
}

// sessionByTokenSQL is the hot path of every authenticated request: one indexed
// lookup joined with the member, run as a prepared statement.
const sessionByTokenSQL = `SELECT ` + memberCols + `, ` + sessionCols + `
	FROM sessions s JOIN members m ON m.id = s.member_id AND m.org_id = s.org_id
	WHERE s.token_hash = $1`

// SessionByToken returns the session whose TokenHash is hash, and its member, in
// one query. It does not judge expiry: the caller checks Session.Valid.
func (s sessionRows) SessionByToken(ctx context.Context, hash string) (*gatehouse.Session, *gatehouse.Member, error) {
	c := s.db.sessions
	if c.enabled() && s.tx == nil {
		if ss, m, ok := c.get(hash); ok {
			return ss, m, nil
		}
		gen := c.gen.Load()
		ss, m, err := s.sessionByToken(ctx, hash)
		if err == nil {
			c.put(hash, gen, ss, m)
		}
		return ss, m, err
	}
	return s.sessionByToken(ctx, hash)
}

// sessionByToken reads the session whose TokenHash is hash from the database.
func (s sessionRows) sessionByToken(ctx context.Context, hash string) (*gatehouse.Session, *gatehouse.Member, error) {
	var ss gatehouse.Session
	dest, finish := sessionDest(&ss)
	m, err := scanMember(s.queryRow(ctx, sessionByTokenSQL, hash), dest...)
	if err != nil {
		return nil, nil, dbErr("sqlstore.SessionByToken", err)
	}
	finish()
	return &ss, m, nil
}

// TouchSession records activity on the session.
func (s sessionRows) TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error {
	res, err := s.exec(ctx, `UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3,
		ends_at = CASE WHEN expires_at < $3 THEN expires_at ELSE $3 END
		WHERE id = $1`, id, micros(lastSeen), micros(idleExpires))
	s.sessionChanged(id)
	return affected("sqlstore.TouchSession", res, err)
}

// UpdateSession writes Stage, AfterReset and the expiry times of ss.
func (s sessionRows) UpdateSession(ctx context.Context, ss *gatehouse.Session) error {
	res, err := s.exec(ctx, `UPDATE sessions SET stage = $3, after_reset = $4,
		idle_expires_at = $5, expires_at = $6, ends_at = $7
		WHERE id = $1 AND org_id = $2`, ss.ID, ss.OrgID, string(ss.Stage), boolInt(ss.AfterReset),
		micros(ss.IdleExpiresAt), micros(ss.ExpiresAt), micros(endsAt(ss.IdleExpiresAt, ss.ExpiresAt)))
	s.sessionChanged(ss.ID)
	return affected("sqlstore.UpdateSession", res, err)
}

// DeleteSession ends one session.
func (s sessionRows) DeleteSession(ctx context.Context, orgID, id string) error {
	res, err := s.exec(ctx, `DELETE FROM sessions WHERE org_id = $1 AND id = $2`, orgID, id)
	s.sessionChanged(id)
	return affected("sqlstore.DeleteSession", res, err)
}

// MemberSessions lists the member's sessions valid at now, newest first.
func (s sessionRows) MemberSessions(ctx context.Context, orgID, memberID string, now time.Time) ([]*gatehouse.Session, error) {
	const op = "sqlstore.MemberSessions"
	rows, err := s.query(ctx, `SELECT `+sessionCols+` FROM sessions s
		WHERE s.member_id = $1 AND s.org_id = $2 AND s.ends_at > $3
		ORDER BY s.created_at DESC, s.id DESC`, memberID, orgID, now.UnixMicro())
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []*gatehouse.Session
	for rows.Next() {
		ss := new(gatehouse.Session)
		dest, finish := sessionDest(ss)
		if err := rows.Scan(dest...); err != nil {
			return nil, dbErr(op, err)
		}
		finish()
		out = append(out, ss)
	}
	return out, dbErr(op, rows.Err())
}

// DeleteMemberSessions ends every session of the member but the one with id
// except ("" ends them all) and returns how many ended. What the member's
// applications obtained through the sessions that end ends too: their OpenID
// Connect grants and tokens (with a back-channel logout queued for each
// application that asked for one); the grants of the session kept stay. Every use case that ends a member's sessions (a reset
// or administrator's password, a disabled account, "sign out everywhere")
// goes through here, so no application keeps a token past it.
func (s sessionRows) DeleteMemberSessions(ctx context.Context, orgID, memberID, except string) (int, error) {
	const op = "sqlstore.DeleteMemberSessions"
	n := 0
	err := s.inTx(ctx, func(t *Store) error {
		res, err := t.exec(ctx, `DELETE FROM sessions WHERE member_id = $1 AND org_id = $2 AND id <> $3`,
			memberID, orgID, except)
		t.memberChanged(memberID)
		if n, err = count(op, res, err); err != nil {
			return err
		}
		// The grants obtained through the sessions that end end with them;
		// those of the session kept stay.
		_, err = t.endOIDCGrants(ctx, orgID, memberID, "", except, t.db.now())
		return err
	})
	return n, err
}

// count returns how many rows res changed.
func count(op string, res sql.Result, err error) (int, error) {
	if err != nil {
		return 0, dbErr(op, err)
	}
	n, err := res.RowsAffected()
	return int(n), dbErr(op, err)
}

// RotateSession replaces the session's secret and writes its stage and times,
// only while the stored secret is still oldHash (see gatehouse.SessionStore).
func (s sessionRows) RotateSession(ctx context.Context, ss *gatehouse.Session, oldHash string) error {
	res, err := s.exec(ctx, `UPDATE sessions SET token_hash = $4, stage = $5, after_reset = $6,
		last_seen_at = $7, idle_expires_at = $8, expires_at = $9, ends_at = $10
		WHERE id = $1 AND org_id = $2 AND token_hash = $3`, ss.ID, ss.OrgID, oldHash, ss.TokenHash,
		string(ss.Stage), boolInt(ss.AfterReset), micros(ss.LastSeenAt), micros(ss.IdleExpiresAt),
		micros(ss.ExpiresAt), micros(endsAt(ss.IdleExpiresAt, ss.ExpiresAt)))
	s.sessionChanged(ss.ID)
	return affected("sqlstore.RotateSession", res, err)
}

// sessionChanged drops the session with the public id from this process's
// cache once the write commits; the database's trigger tells the others.
func (s sessionRows) sessionChanged(id string) {
	s.db.sessions.forgetSession(id) // a lookup from now on waits for the commit's result
	s.whenCommitted(func() { s.db.sessions.forgetSession(id) })
}

// memberChanged drops the member's sessions from this process's cache once
// the write commits; the database's trigger tells the others.
func (s sessionRows) memberChanged(id string) {
	s.db.sessions.forgetMember(id)
	s.whenCommitted(func() { s.db.sessions.forgetMember(id) })
}
