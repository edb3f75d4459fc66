package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// memberCols are the columns scanMember reads, in its order, qualified with m
// so that the session join can use them too.
const memberCols = `m.id, m.org_id, m.username, m.display_name, m.email, m.work_email, m.mobile,
	m.role, m.state, m.expires_at, m.password_hash, m.password_changed_at, m.must_change_password,
	m.support_pin_hash, m.created_at, m.updated_at, m.last_signin_at, m.verified_email, m.email_verified_at,
	m.language, m.time_zone, m.verified_mobile, m.mobile_verified_at, m.must_set_up_second_factor`

func scanMember(row scanner, extra ...any) (*gatehouse.Member, error) {
	var m gatehouse.Member
	var expires, changed, created, updated, signin, verified, mobileVerified sql.NullInt64
	var mustChange, mustSetUp int
	dest := append([]any{&m.ID, &m.OrgID, &m.Username, &m.DisplayName, &m.Email, &m.WorkEmail, &m.Mobile,
		&m.Role, &m.State, &expires, &m.PasswordHash, &changed, &mustChange,
		&m.SupportPINHash, &created, &updated, &signin, &m.VerifiedEmail, &verified, &m.Language, &m.TimeZone,
		&m.VerifiedMobile, &mobileVerified, &mustSetUp}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	m.ExpiresAt, m.PasswordChangedAt = timeOf(expires), timeOf(changed)
	m.CreatedAt, m.UpdatedAt, m.LastSignInAt = timeOf(created), timeOf(updated), timeOf(signin)
	m.EmailVerifiedAt, m.MobileVerifiedAt = timeOf(verified), timeOf(mobileVerified)
	m.MustChangePassword, m.MustSetUpSecondFactor = mustChange != 0, mustSetUp != 0
	return &m, nil
}

// memberValues are the stored values of m, in the column order of CreateMember,
// normalized forms included. LastSignInAt is not among them: RecordSignIn alone
// writes it.
func memberValues(m *gatehouse.Member) []any {
	norm := gatehouse.NormalizeIdentifier
	return []any{m.ID, m.OrgID, m.Username, norm(m.Username), m.DisplayName, norm(m.DisplayName),
		m.Email, norm(m.Email), m.WorkEmail, norm(m.WorkEmail), m.Mobile, string(m.Role), string(m.State),
		micros(m.ExpiresAt), m.PasswordHash, micros(m.PasswordChangedAt), boolInt(m.MustChangePassword),
		m.SupportPINHash, micros(m.CreatedAt), micros(m.UpdatedAt)}
}

// CreateMember adds m. A username taken in the organization (compared
// case-insensitively) is a Conflict; an unknown organization is NotFound.
func (s memberRows) CreateMember(ctx context.Context, m *gatehouse.Member) error {
	_, err := s.exec(ctx, `INSERT INTO members (id, org_id, username, username_norm,
		display_name, display_name_norm, email, email_norm, work_email, work_email_norm, mobile, role, state,
		expires_at, password_hash, password_changed_at, must_change_password, support_pin_hash, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		memberValues(m)...)
	return dbErr("sqlstore.CreateMember", err)
}

// Member returns the member with id in the organization.
func (s memberRows) Member(ctx context.Context, orgID, id string) (*gatehouse.Member, error) {
	m, err := scanMember(s.queryRow(ctx,
		`SELECT `+memberCols+` FROM members m WHERE m.org_id = $1 AND m.id = $2`, orgID, id))
	return m, dbErr("sqlstore.Member", err)
}

// MemberByUsername returns the member whose username equals username,
// case-insensitively.
func (s memberRows) MemberByUsername(ctx context.Context, orgID, username string) (*gatehouse.Member, error) {
	m, err := scanMember(s.queryRow(ctx,
		`SELECT `+memberCols+` FROM members m WHERE m.org_id = $1 AND m.username_norm = $2`,
		orgID, gatehouse.NormalizeIdentifier(username)))
	return m, dbErr("sqlstore.MemberByUsername", err)
}

// MembersByIdentifier returns up to limit members (50 when limit is not
// positive) whose username or either email equals identifier, case-insensitively,
// ordered by username. An empty identifier matches nobody, not the members
// without a work email.
func (s memberRows) MembersByIdentifier(ctx context.Context, orgID, identifier string, limit int) ([]*gatehouse.Member, error) {
	const op = "sqlstore.MembersByIdentifier"
	id := gatehouse.NormalizeIdentifier(identifier)
	if id == "" {
		return nil, nil
	}
	// Each alternative names the organization itself, so that SQLite looks the
	// identifier up in the three indexes (a "multi-index OR"); written as
	// org AND (a OR b OR c) it walked every member of the organization in
	// username order instead: 4 ms a lookup among 10,000 members.
	rows, err := s.query(ctx, `SELECT `+memberCols+` FROM members m
		WHERE (m.org_id = $1 AND m.username_norm = $2)
		   OR (m.org_id = $1 AND m.email_norm = $2)
		   OR (m.org_id = $1 AND m.work_email_norm = $2)
		ORDER BY m.username_norm`+limitClause(pageLimit(limit)), orgID, id)
	if err != nil {
		return nil, dbErr(op, err)
	}
	return collectMembers(op, rows)
}

func collectMembers(op string, rows *sql.Rows) ([]*gatehouse.Member, error) {
	defer rows.Close()
	var out []*gatehouse.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, m)
	}
	return out, dbErr(op, rows.Err())
}

// LockMember reads the member and, inside a transaction, locks its row until
// the transaction ends. On PostgreSQL it is SELECT … FOR NO KEY UPDATE: it
// excludes every other writer of the row, as FOR UPDATE would, but not the
// inserts of sessions, tokens and messages that merely refer to the member
// (they take KEY SHARE), so a sign-in never waits for it and cannot deadlock
// with it. On SQLite every transaction holds the database's single write lock
// from its start (BEGIN IMMEDIATE), so the read alone is enough.
func (s memberRows) LockMember(ctx context.Context, orgID, id string) (*gatehouse.Member, error) {
	q := `SELECT ` + memberCols + ` FROM members m WHERE m.org_id = $1 AND m.id = $2`
	if s.db.dialect == Postgres {
		q += ` FOR NO KEY UPDATE`
	}
	m, err := scanMember(s.writeRow(ctx, q, orgID, id))
	return m, dbErr("sqlstore.LockMember", err)
}

// ChangeMember writes the fields that c names, with their normalized forms,
// and updated_at; nothing else. The columns are listed in a fixed order, so
// each combination of fields is one statement text (prepared once on SQLite).
func (s memberRows) ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error {
	var a args
	var set []string
	text := func(col string, v *string, norm bool) {
		if v == nil {
			return
		}
		set = append(set, col+" = "+a.add(*v))
		if norm {
			set = append(set, col+"_norm = "+a.add(gatehouse.NormalizeIdentifier(*v)))
		}
	}
	text("display_name", c.DisplayName, true)
	text("email", c.Email, true)
	text("work_email", c.WorkEmail, true)
	text("mobile", c.Mobile, false)
	if c.Role != nil {
		set = append(set, "role = "+a.add(string(*c.Role)))
	}
	if c.State != nil {
		set = append(set, "state = "+a.add(string(*c.State)))
	}
	if c.ExpiresAt != nil {
		set = append(set, "expires_at = "+a.add(micros(*c.ExpiresAt)))
	}
	text("password_hash", c.PasswordHash, false)
	if c.PasswordChangedAt != nil {
		set = append(set, "password_changed_at = "+a.add(micros(*c.PasswordChangedAt)))
	}
	if c.MustChangePassword != nil {
		set = append(set, "must_change_password = "+a.add(boolInt(*c.MustChangePassword)))
	}
	if c.MustSetUpSecondFactor != nil {
		set = append(set, "must_set_up_second_factor = "+a.add(boolInt(*c.MustSetUpSecondFactor)))
	}
	text("support_pin_hash", c.SupportPINHash, false)
	text("language", c.Language, false)
	text("time_zone", c.TimeZone, false)
	// A verified address or number is verified as of the change; none
	// ("") has no time either.
	verifiedAt := func(v *string) any {
		if *v == "" {
			return nil
		}
		return micros(c.UpdatedAt)
	}
	if c.VerifiedEmail != nil {
		text("verified_email", c.VerifiedEmail, false)
		set = append(set, "email_verified_at = "+a.add(verifiedAt(c.VerifiedEmail)))
	}
	if c.VerifiedMobile != nil {
		text("verified_mobile", c.VerifiedMobile, false)
		set = append(set, "mobile_verified_at = "+a.add(verifiedAt(c.VerifiedMobile)))
	}
	set = append(set, "updated_at = "+a.add(micros(c.UpdatedAt)))
	where := " WHERE org_id = " + a.add(orgID) + " AND id = " + a.add(id)
	res, err := s.exec(ctx, `UPDATE members SET `+strings.Join(set, ", ")+where, a...)
	s.memberChanged(id)
	return affected("sqlstore.ChangeMember", res, err)
}

// DeleteMember removes the member; their sessions, tokens and password history
// go with them (ON DELETE CASCADE), their audit events and messages stay.
func (s memberRows) DeleteMember(ctx context.Context, orgID, id string) error {
	res, err := s.exec(ctx, `DELETE FROM members WHERE org_id = $1 AND id = $2`, orgID, id)
	s.memberChanged(id)
	return affected("sqlstore.DeleteMember", res, err)
}

// CountMembers counts the organization's members with role and state ("" is any).
func (s memberRows) CountMembers(ctx context.Context, orgID string, role gatehouse.Role, state gatehouse.State) (int, error) {
	var a args
	q := `SELECT COUNT(*) FROM members WHERE org_id = ` + a.add(orgID)
	if role != "" {
		q += ` AND role = ` + a.add(string(role))
	}
	if state != "" {
		q += ` AND state = ` + a.add(string(state))
	}
	var n int
	err := s.queryRow(ctx, q, a...).Scan(&n)
	return n, dbErr("sqlstore.CountMembers", err)
}

// RecordSignIn sets when the member last completed a sign-in, and nothing else.
func (s memberRows) RecordSignIn(ctx context.Context, orgID, memberID string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE members SET last_signin_at = $3 WHERE org_id = $1 AND id = $2`,
		orgID, memberID, micros(at))
	s.memberChanged(memberID)
	return affected("sqlstore.RecordSignIn", res, err)
}

// AddPasswordHistory records hash as the member's newest password and forgets
// all but the newest keep, in one transaction.
func (s memberRows) AddPasswordHistory(ctx context.Context, orgID, memberID, hash string, at time.Time, keep int) error {
	const op = "sqlstore.AddPasswordHistory"
	return s.inTx(ctx, func(t *Store) error {
		if _, err := t.exec(ctx, `INSERT INTO password_history (member_id, seq, org_id, hash, created_at)
			SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, CAST($4 AS BIGINT) FROM password_history WHERE member_id = $1`,
			memberID, orgID, hash, micros(at)); err != nil {
			return dbErr(op, err)
		}
		_, err := t.exec(ctx, `DELETE FROM password_history WHERE member_id = $1
			AND seq <= (SELECT MAX(seq) FROM password_history WHERE member_id = $1) - $2`, memberID, max(keep, 0))
		return dbErr(op, err)
	})
}

// PasswordHistory returns up to n of the member's previous password hashes,
// newest first.
func (s memberRows) PasswordHistory(ctx context.Context, orgID, memberID string, n int) ([]string, error) {
	const op = "sqlstore.PasswordHistory"
	if n <= 0 {
		return nil, nil
	}
	rows, err := s.query(ctx, `SELECT hash FROM password_history
		WHERE org_id = $1 AND member_id = $2 ORDER BY seq DESC`+limitClause(n), orgID, memberID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, h)
	}
	return out, dbErr(op, rows.Err())
}
