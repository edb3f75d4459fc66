package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

const deliveryCols = `id, endpoint_id, event_id, org_id, event_type, status, attempts, created_at, next_attempt_at,
	last_attempt_at, last_status, last_error, done_at, claimed_by, claimed_until`

func scanDelivery(row scanner) (*webhook.Delivery, error) {
	var d webhook.Delivery
	var created, next, last, done, claimed sql.NullInt64
	if err := row.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.OrgID, &d.EventType, &d.Status, &d.Attempts, &created, &next,
		&last, &d.LastStatus, &d.LastError, &done, &d.ClaimedBy, &claimed); err != nil {
		return nil, err
	}
	d.CreatedAt, d.NextAttemptAt, d.LastAttemptAt = timeOf(created), timeOf(next), timeOf(last)
	d.DoneAt, d.ClaimedUntil = timeOf(done), timeOf(claimed)
	return &d, nil
}

func collectDeliveries(op string, rows *sql.Rows) ([]*webhook.Delivery, error) {
	defer rows.Close()
	var out []*webhook.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, d)
	}
	return out, dbErr(op, rows.Err())
}

// ClaimWebhookDeliveries leases up to n due deliveries of active endpoints,
// oldest due first, in one UPDATE (FOR UPDATE SKIP LOCKED on PostgreSQL, as
// ClaimMessages), then reads their endpoints and events.
func (s deliveryRows) ClaimWebhookDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, n int) ([]*webhook.Delivery, error) {
	ds, err := claimLeased(ctx, s.Store, "sqlstore.ClaimWebhookDeliveries", deliveryQueue, worker, now, lease, n, collectDeliveries,
		func(d *webhook.Delivery) (time.Time, string) { return d.NextAttemptAt, d.ID })
	if err != nil || len(ds) == 0 {
		return ds, err
	}
	endpoints := map[string]*webhook.Endpoint{}
	for _, d := range ds {
		if _, ok := endpoints[d.EndpointID]; !ok {
			e, err := s.readWebhook(ctx, d.EndpointID)
			if err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
				return nil, err
			}
			endpoints[d.EndpointID] = e
		}
		d.Endpoint = endpoints[d.EndpointID]
		ev, err := s.auditEvent(ctx, d.OrgID, d.EventID)
		if err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
			return nil, err
		}
		d.Event = ev
	}
	return ds, nil
}

// deliveryQueue is the webhook deliveries as a leased queue (lease.go).
var deliveryQueue = leasedQueue{table: "webhook_deliveries", cols: deliveryCols, wait: "status = 'pending'", due: "next_attempt_at"}

// readWebhook reads an endpoint on the writer, so that a claim sees the
// secret of a rotation just committed.
func (s deliveryRows) readWebhook(ctx context.Context, id string) (*webhook.Endpoint, error) {
	e, err := scanWebhook(s.writeRow(ctx, `SELECT `+webhookCols+` FROM webhook_endpoints WHERE id = $1`, id))
	return e, dbErr("sqlstore.ClaimWebhookDeliveries", err)
}

// auditEvent reads one event of the log.
func (s deliveryRows) auditEvent(ctx context.Context, orgID, id string) (*gatehouse.AuditEvent, error) {
	var e gatehouse.AuditEvent
	var at int64
	var details string
	err := s.writeRow(ctx, `SELECT id, org_id, occurred_at, event_type, actor_kind, actor_id, actor_name, member_id, ip,
		user_agent, details, request_id FROM audit_events WHERE org_id = $1 AND id = $2`, orgID, id).Scan(
		&e.ID, &e.OrgID, &at, &e.Type, &e.ActorKind, &e.ActorID, &e.ActorName, &e.MemberID, &e.IP, &e.UserAgent, &details, &e.RequestID)
	if err != nil {
		return nil, dbErr("sqlstore.auditEvent", err)
	}
	e.At = timeOf(nullInt(at))
	return &e, nil
}

// MarkWebhookDone records an attempt's outcome and releases the claim, while
// worker still holds it.
func (s deliveryRows) MarkWebhookDone(ctx context.Context, id, worker string, r webhook.Result) error {
	const op = "sqlstore.MarkWebhookDone"
	var done, next any
	switch r.Status {
	case webhook.Delivered, webhook.Failed:
		done = micros(r.At)
	case webhook.Pending:
		next = micros(r.Next)
	default:
		return gatehouse.Errorf(gatehouse.Invalid, op, "unknown delivery status %q", r.Status)
	}
	res, err := s.exec(ctx, `UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, last_attempt_at = $4,
		last_status = $5, last_error = $6, done_at = $7, next_attempt_at = COALESCE($8, next_attempt_at),
		`+leaseFree+`
		WHERE id = $1 AND `+leaseHeld+` AND status = 'pending'`,
		id, worker, string(r.Status), micros(r.At), r.HTTPStatus, truncateText(r.Error, 500), done, next)
	return affected(op, res, err)
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// WebhookDeliveries returns a page of the organization's deliveries, newest first.
func (s deliveryRows) WebhookDeliveries(ctx context.Context, orgID string, f webhook.DeliveryFilter) ([]*webhook.Delivery, string, error) {
	const op = "sqlstore.WebhookDeliveries"
	var a args
	where := []string{"org_id = " + a.add(orgID)}
	if f.EndpointID != "" {
		where = append(where, "endpoint_id = "+a.add(f.EndpointID))
	}
	if f.Status != "" {
		where = append(where, "status = "+a.add(string(f.Status)))
	}
	if f.Cursor != "" {
		at, id, err := parseTimeCursor(op, f.Cursor)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(created_at, id) < ("+a.add(at)+", "+a.add(id)+")")
	}
	limit := pageLimit(f.Limit)
	rows, err := s.query(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE `+strings.Join(where, " AND ")+`
		ORDER BY created_at DESC, id DESC LIMIT `+a.add(limit+1), a...)
	if err != nil {
		return nil, "", dbErr(op, err)
	}
	out, err := collectDeliveries(op, rows)
	if err != nil {
		return nil, "", err
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	last := out[limit-1]
	return out, timeCursor(last.CreatedAt, last.ID), nil
}
