package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// messageCols are the columns scanMessage reads; %BODIES% is replaced by the
// body columns, or by empty strings where bodies are not wanted.
const messageCols = `id, org_id, member_id, channel, kind, recipient, subject, %BODIES%, status, attempts,
	last_error, created_at, next_attempt_at, sent_at, claimed_by, claimed_until, last_attempt_at, lapsed_claims,
	from_address, from_name`

var (
	messageWithBodies = strings.Replace(messageCols, "%BODIES%", "text_body, html_body", 1)
	messageNoBodies   = strings.Replace(messageCols, "%BODIES%", "'' AS text_body, '' AS html_body", 1)
)

func scanMessage(row scanner) (*gatehouse.Message, error) {
	var m gatehouse.Message
	var created, next, sent, claimedUntil, tried sql.NullInt64
	if err := row.Scan(&m.ID, &m.OrgID, &m.MemberID, &m.Channel, &m.Kind, &m.To, &m.Subject, &m.Text, &m.HTML,
		&m.Status, &m.Attempts, &m.LastError, &created, &next, &sent, &m.ClaimedBy, &claimedUntil, &tried, &m.LapsedClaims,
		&m.From, &m.FromName); err != nil {
		return nil, err
	}
	m.CreatedAt, m.NextAttemptAt = timeOf(created), timeOf(next)
	m.SentAt, m.ClaimedUntil, m.LastAttemptAt = timeOf(sent), timeOf(claimedUntil), timeOf(tried)
	return &m, nil
}

func collectMessages(op string, rows *sql.Rows) ([]*gatehouse.Message, error) {
	defer rows.Close()
	var out []*gatehouse.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, m)
	}
	return out, dbErr(op, rows.Err())
}

// Enqueue adds m to the outbox, normally in the transaction of the change that
// causes it. An empty Status is queued and a zero NextAttemptAt is CreatedAt:
// a new message is due at once.
//
// An email must carry its sender (outbox.Outbox gives it the organization's);
// one queued without, by a caller that composes its own, gets the sender of
// the organization's settings here, in the same transaction.
func (s deliveryRows) Enqueue(ctx context.Context, m *gatehouse.Message) error {
	if m.Channel == gatehouse.ChannelEmail && m.From == "" {
		stored, err := s.Settings(ctx, m.OrgID)
		if err != nil {
			return err
		}
		set := gatehouse.LoadSettings(stored)
		m.From, m.FromName = set.MailFromAddress, set.SenderName()
	}
	status, next := m.Status, m.NextAttemptAt
	if status == "" {
		status = gatehouse.MessageQueued
	}
	if next.IsZero() {
		next = m.CreatedAt
	}
	_, err := s.exec(ctx, `INSERT INTO messages (id, org_id, member_id, channel, kind, recipient,
		subject, text_body, html_body, status, attempts, last_error, created_at, next_attempt_at, sent_at,
		claimed_by, claimed_until, last_attempt_at, lapsed_claims, from_address, from_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		m.ID, m.OrgID, m.MemberID, string(m.Channel), m.Kind, m.To, m.Subject, m.Text, m.HTML, string(status),
		m.Attempts, m.LastError, micros(m.CreatedAt), micros(next), micros(m.SentAt), m.ClaimedBy, micros(m.ClaimedUntil),
		micros(m.LastAttemptAt), m.LapsedClaims, m.From, m.FromName)
	return dbErr("sqlstore.Enqueue", err)
}

// ClaimMessages leases up to n queued messages due at now to worker until now +
// lease, oldest due first, in one UPDATE. A claim is not an attempt: Attempts
// counts the sends whose outcome was recorded (MarkSent, MarkRetry and
// MarkFailed with tried). Claiming a message whose previous claim ran out
// without a report (its worker died) adds one to LapsedClaims instead, so that
// a message that kills every worker that tries it can still be given up on.
//
// See claimLeased for how concurrent claimers share the queue.
func (s deliveryRows) ClaimMessages(ctx context.Context, worker string, now time.Time, lease time.Duration, n int) ([]*gatehouse.Message, error) {
	return claimLeased(ctx, s.Store, "sqlstore.ClaimMessages", messageQueue, worker, now, lease, n, collectMessages,
		func(m *gatehouse.Message) (time.Time, string) { return m.NextAttemptAt, m.ID })
}

// messageQueue is the outbox as a leased queue (lease.go).
var messageQueue = leasedQueue{table: "messages", cols: messageWithBodies, wait: "status = 'queued'", due: "next_attempt_at",
	onClaim: `, lapsed_claims = lapsed_claims + CASE WHEN claimed_by <> '' THEN 1 ELSE 0 END`}

// ReleaseMessages gives back worker's claims on the messages ids that it has
// not tried, so that they are due again at once for any worker, uncounted. A
// message no longer claimed by worker is left alone.
func (s deliveryRows) ReleaseMessages(ctx context.Context, worker string, ids []string) error {
	if worker == "" || len(ids) == 0 {
		return nil
	}
	var a args
	w := a.add(worker)
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = a.add(id)
	}
	_, err := s.exec(ctx, `UPDATE messages SET `+leaseFree+`
		WHERE claimed_by = `+w+` AND status = 'queued' AND id IN (`+strings.Join(in, ", ")+`)`, a...)
	return dbErr("sqlstore.ReleaseMessages", err)
}

// tries returns what a report adds to attempts, and the time of the try to
// store: a report of a try that was made counts it, one of a worker that could
// not try (no transport, no valid sender) leaves both as they were.
func tries(tried bool, at time.Time) (int, any) {
	if !tried {
		return 0, nil
	}
	return 1, micros(at)
}

// MarkSent records delivery at, counts the attempt and erases the bodies,
// which may hold a one-time link. Like MarkRetry and MarkFailed, it acts only
// while worker still holds the claim, and releases it: a worker whose lease ran
// out and whose message was taken over gets NotFound, so two reports can never
// both land.
func (s deliveryRows) MarkSent(ctx context.Context, id, worker string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE messages SET status = 'sent', sent_at = $3, done_at = $3, last_attempt_at = $3,
		attempts = attempts + 1, text_body = '', html_body = '', `+leaseFree+`
		WHERE id = $1 AND `+leaseHeld+` AND status = 'queued'`, id, worker, micros(at))
	return affected("sqlstore.MarkSent", res, err)
}

// MarkRetry records a failure at and makes the message due again at next. When
// tried, a send was made and counts as an attempt; otherwise the worker could
// not try and Attempts stays. NotFound unless worker holds the claim (see
// MarkSent).
func (s deliveryRows) MarkRetry(ctx context.Context, id, worker string, tried bool, lastErr string, at, next time.Time) error {
	n, triedAt := tries(tried, at)
	res, err := s.exec(ctx, `UPDATE messages SET last_error = $3, next_attempt_at = $4,
		attempts = attempts + $5, last_attempt_at = COALESCE($6, last_attempt_at), `+leaseFree+`
		WHERE id = $1 AND `+leaseHeld+` AND status = 'queued'`,
		id, worker, lastErr, micros(next), n, triedAt)
	return affected("sqlstore.MarkRetry", res, err)
}

// MarkFailed records a final failure at, counting the attempt when tried, and
// erases the bodies; NotFound unless worker holds the claim (see MarkSent).
func (s deliveryRows) MarkFailed(ctx context.Context, id, worker string, tried bool, lastErr string, at time.Time) error {
	n, triedAt := tries(tried, at)
	res, err := s.exec(ctx, `UPDATE messages SET status = 'failed', last_error = $3, done_at = $4,
		attempts = attempts + $5, last_attempt_at = COALESCE($6, last_attempt_at),
		text_body = '', html_body = '', `+leaseFree+`
		WHERE id = $1 AND `+leaseHeld+` AND status = 'queued'`,
		id, worker, lastErr, micros(at), n, triedAt)
	return affected("sqlstore.MarkFailed", res, err)
}

// Message returns the message with id, bodies included (empty once sent or failed).
func (s deliveryRows) Message(ctx context.Context, orgID, id string) (*gatehouse.Message, error) {
	m, err := scanMessage(s.queryRow(ctx,
		`SELECT `+messageWithBodies+` FROM messages WHERE org_id = $1 AND id = $2`, orgID, id))
	return m, dbErr("sqlstore.Message", err)
}

// Messages returns a page of matching messages, newest first, without their
// bodies, and the cursor of the next page ("" after the last).
func (s deliveryRows) Messages(ctx context.Context, orgID string, f gatehouse.MessageFilter) ([]*gatehouse.Message, string, error) {
	const op = "sqlstore.Messages"
	var a args
	where := []string{"org_id = " + a.add(orgID)}
	if f.MemberID != "" {
		where = append(where, "member_id = "+a.add(f.MemberID))
	}
	if f.Status != "" {
		where = append(where, "status = "+a.add(string(f.Status)))
	}
	if f.Channel != "" {
		where = append(where, "channel = "+a.add(string(f.Channel)))
	}
	if f.Cursor != "" {
		at, id, err := parseTimeCursor(op, f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(created_at, id) < ("+a.add(at)+", "+a.add(id)+")")
	}
	limit := pageLimit(f.Limit)
	rows, err := s.query(ctx, `SELECT `+messageNoBodies+` FROM messages WHERE `+
		strings.Join(where, " AND ")+` ORDER BY created_at DESC, id DESC LIMIT `+a.add(limit+1), a...)
	if err != nil {
		return nil, "", dbErr(op, err)
	}
	ms, err := collectMessages(op, rows)
	if err != nil || len(ms) <= limit {
		return ms, "", err
	}
	ms = ms[:limit]
	last := ms[limit-1]
	return ms, timeCursor(last.CreatedAt, last.ID), nil
}

// SetQueuedSender gives the organization's queued emails a new sender.
func (s deliveryRows) SetQueuedSender(ctx context.Context, orgID, from, name string) (int, error) {
	res, err := s.exec(ctx, `UPDATE messages SET from_address = $1, from_name = $2
		WHERE org_id = $3 AND status = 'queued' AND channel = 'email'`, from, name, orgID)
	if err != nil {
		return 0, dbErr("sqlstore.SetQueuedSender", err)
	}
	n, err := res.RowsAffected()
	return int(n), dbErr("sqlstore.SetQueuedSender", err)
}

// MarkSentMany records delivery at of the messages ids in one statement, as
// MarkSent does for one, and returns how many it recorded: those worker no
// longer holds are left alone (another worker's report wins).
func (s deliveryRows) MarkSentMany(ctx context.Context, worker string, ids []string, at time.Time) (int, error) {
	const op = "sqlstore.MarkSentMany"
	if worker == "" || len(ids) == 0 {
		return 0, nil
	}
	var a args
	w, t := a.add(worker), a.add(micros(at))
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = a.add(id)
	}
	res, err := s.exec(ctx, `UPDATE messages SET status = 'sent', sent_at = `+t+`, done_at = `+t+`, last_attempt_at = `+t+`,
		attempts = attempts + 1, text_body = '', html_body = '', `+leaseFree+`
		WHERE claimed_by = `+w+` AND claimed_by <> '' AND status = 'queued' AND id IN (`+strings.Join(in, ", ")+`)`, a...)
	return count(op, res, err)
}
