package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

// AddAudit appends e to the log. Details are stored as a JSON object.
func (s auditRows) AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error {
	const op = "sqlstore.AddAudit"
	details := ""
	if len(e.Details) > 0 {
		b, err := json.Marshal(e.Details)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		details = string(b)
	}
	args := []any{e.ID, e.OrgID, micros(e.At), string(e.Type), string(e.ActorKind), e.ActorID, e.ActorName,
		e.MemberID, e.IP, e.UserAgent, details, e.RequestID}
	// The webhook deliveries of the event are queued with it, atomically
	// (webhooks.go): an event is never recorded without them, nor they
	// without it. On PostgreSQL outside a transaction one statement does
	// both, which spares the hot paths (sign-in, API calls) a BEGIN and a
	// COMMIT.
	if s.tx == nil && s.db.dialect == Postgres {
		_, err := s.exec(ctx, `WITH ev AS (`+insertAudit+` RETURNING id) `+fanOutSQL("(SELECT id FROM ev)", 13),
			append(args, anyStrings(webhook.Patterns(e.Type))...)...)
		return dbErr(op, err)
	}
	return s.inTx(ctx, func(t *Store) error {
		if _, err := t.exec(ctx, insertAudit, args...); err != nil {
			return dbErr(op, err)
		}
		return t.fanOutWebhooks(ctx, e)
	})
}

const insertAudit = `INSERT INTO audit_events (id, org_id, occurred_at, event_type,
	actor_kind, actor_id, actor_name, member_id, ip, user_agent, details, request_id)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

// AuditEvents returns a page of matching events, newest first (by time, then
// id), and the cursor of the next page ("" after the last). Since is inclusive,
// Until exclusive.
func (s auditRows) AuditEvents(ctx context.Context, orgID string, f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, string, error) {
	const op = "sqlstore.AuditEvents"
	var a args
	where := []string{"org_id = " + a.add(orgID)}
	if f.MemberID != "" {
		where = append(where, "member_id = "+a.add(f.MemberID))
	}
	if f.ActorID != "" {
		where = append(where, "actor_id = "+a.add(f.ActorID))
	}
	if len(f.Types) > 0 {
		in := make([]string, len(f.Types))
		for i, t := range f.Types {
			in[i] = a.add(string(t))
		}
		where = append(where, "event_type IN ("+strings.Join(in, ", ")+")")
	}
	if !f.Since.IsZero() {
		where = append(where, "occurred_at >= "+a.add(f.Since.UnixMicro()))
	}
	if !f.Until.IsZero() {
		where = append(where, "occurred_at < "+a.add(f.Until.UnixMicro()))
	}
	if f.Cursor != "" {
		at, id, err := parseTimeCursor(op, f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(occurred_at, id) < ("+a.add(at)+", "+a.add(id)+")")
	}
	limit := pageLimit(f.Limit)
	rows, err := s.query(ctx, `SELECT id, org_id, occurred_at, event_type, actor_kind, actor_id,
		actor_name, member_id, ip, user_agent, details, request_id FROM audit_events WHERE `+strings.Join(where, " AND ")+`
		ORDER BY occurred_at DESC, id DESC LIMIT `+a.add(limit+1), a...)
	if err != nil {
		return nil, "", dbErr(op, err)
	}
	defer rows.Close()
	var out []*gatehouse.AuditEvent
	for rows.Next() {
		var e gatehouse.AuditEvent
		var at int64
		var details string
		if err := rows.Scan(&e.ID, &e.OrgID, &at, &e.Type, &e.ActorKind, &e.ActorID, &e.ActorName,
			&e.MemberID, &e.IP, &e.UserAgent, &details, &e.RequestID); err != nil {
			return nil, "", dbErr(op, err)
		}
		e.At = timeOf(nullInt(at))
		if details != "" {
			if err := json.Unmarshal([]byte(details), &e.Details); err != nil {
				return nil, "", gatehouse.Wrap(op, err)
			}
		}
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", dbErr(op, err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, timeCursor(last.At, last.ID), nil
}
