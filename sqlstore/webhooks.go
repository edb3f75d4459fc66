package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/webhook"
)

var _ webhook.Store = (*Store)(nil)

// WebhookTx runs fn in one transaction, or in a savepoint of the current one.
func (s deliveryRows) WebhookTx(ctx context.Context, fn func(webhook.Store) error) error {
	if s.tx != nil {
		return s.savepoint(ctx, func(t *Store) error { return fn(t) })
	}
	return s.inTx(ctx, func(t *Store) error { return fn(t) })
}

const webhookCols = `id, org_id, url, description, events, secret, old_secret, old_until, created_at, created_by,
	disabled_at, disabled_reason`

func scanWebhook(row scanner) (*webhook.Endpoint, error) {
	var e webhook.Endpoint
	var events string
	var oldUntil, created, disabled sql.NullInt64
	if err := row.Scan(&e.ID, &e.OrgID, &e.URL, &e.Description, &events, &e.Secret, &e.OldSecret, &oldUntil,
		&created, &e.CreatedBy, &disabled, &e.DisabledReason); err != nil {
		return nil, err
	}
	e.Events = strings.Fields(events)
	e.OldUntil, e.CreatedAt, e.DisabledAt = timeOf(oldUntil), timeOf(created), timeOf(disabled)
	return &e, nil
}

// CreateWebhook stores a new endpoint and its subscription patterns.
func (s deliveryRows) CreateWebhook(ctx context.Context, e *webhook.Endpoint) error {
	const op = "sqlstore.CreateWebhook"
	return s.inTx(ctx, func(t *Store) error {
		_, err := t.exec(ctx, `INSERT INTO webhook_endpoints (`+webhookCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			e.ID, e.OrgID, e.URL, e.Description, strings.Join(e.Events, " "), e.Secret, e.OldSecret, micros(e.OldUntil),
			micros(e.CreatedAt), e.CreatedBy, micros(e.DisabledAt), e.DisabledReason)
		if err != nil {
			return dbErr(op, err)
		}
		for _, p := range e.Events {
			if _, err := t.exec(ctx, `INSERT INTO webhook_patterns (endpoint_id, org_id, pattern) VALUES ($1, $2, $3)`,
				e.ID, e.OrgID, p); err != nil {
				return dbErr(op, err)
			}
		}
		return nil
	})
}

// Webhook returns the organization's endpoint with id.
func (s deliveryRows) Webhook(ctx context.Context, orgID, id string) (*webhook.Endpoint, error) {
	e, err := scanWebhook(s.queryRow(ctx, `SELECT `+webhookCols+` FROM webhook_endpoints WHERE org_id = $1 AND id = $2`, orgID, id))
	return e, dbErr("sqlstore.Webhook", err)
}

// Webhooks lists the organization's endpoints, oldest first.
func (s deliveryRows) Webhooks(ctx context.Context, orgID string) ([]*webhook.Endpoint, error) {
	const op = "sqlstore.Webhooks"
	rows, err := s.query(ctx, `SELECT `+webhookCols+` FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, dbErr(op, err)
	}
	defer rows.Close()
	var out []*webhook.Endpoint
	for rows.Next() {
		e, err := scanWebhook(rows)
		if err != nil {
			return nil, dbErr(op, err)
		}
		out = append(out, e)
	}
	return out, dbErr(op, rows.Err())
}

// RotateWebhookSecret sets the endpoint's sealed secret; old signs until oldUntil.
func (s deliveryRows) RotateWebhookSecret(ctx context.Context, orgID, id, secret, old string, oldUntil time.Time) error {
	res, err := s.exec(ctx, `UPDATE webhook_endpoints SET secret = $3, old_secret = $4, old_until = $5
		WHERE org_id = $1 AND id = $2`, orgID, id, secret, old, micros(oldUntil))
	return affected("sqlstore.RotateWebhookSecret", res, err)
}

// DeleteWebhook removes the endpoint; its patterns and deliveries go with it.
func (s deliveryRows) DeleteWebhook(ctx context.Context, orgID, id string) error {
	const op = "sqlstore.DeleteWebhook"
	return s.inTx(ctx, func(t *Store) error {
		// Explicitly too, not only by ON DELETE CASCADE, so that it holds
		// whatever the connection's foreign-key setting.
		if _, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = $1 AND org_id = $2`, id, orgID); err != nil {
			return dbErr(op, err)
		}
		if _, err := t.exec(ctx, `DELETE FROM webhook_patterns WHERE endpoint_id = $1 AND org_id = $2`, id, orgID); err != nil {
			return dbErr(op, err)
		}
		res, err := t.exec(ctx, `DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2`, orgID, id)
		return affected(op, res, err)
	})
}

// DisableWebhook marks the endpoint disabled and fails its pending deliveries.
func (s deliveryRows) DisableWebhook(ctx context.Context, orgID, id, reason string, at time.Time) error {
	const op = "sqlstore.DisableWebhook"
	return s.inTx(ctx, func(t *Store) error {
		res, err := t.exec(ctx, `UPDATE webhook_endpoints SET disabled_at = $3, disabled_reason = $4
			WHERE org_id = $1 AND id = $2 AND disabled_at IS NULL`, orgID, id, micros(at), reason)
		if err := affected(op, res, err); err != nil {
			return err
		}
		_, err = t.exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', done_at = $3, last_error = $4,
			claimed_by = '', claimed_until = NULL
			WHERE endpoint_id = $1 AND org_id = $2 AND status = 'pending'`, id, orgID, micros(at), "the endpoint is disabled: "+reason)
		return dbErr(op, err)
	})
}

// fanOutWebhooks queues a delivery of e for every active endpoint of its
// organization subscribed to its type, in the statement after the event's
// insert and in its transaction.
func (s deliveryRows) fanOutWebhooks(ctx context.Context, e *gatehouse.AuditEvent) error {
	args := append([]any{e.ID, e.OrgID, micros(e.At), string(e.Type)}, anyStrings(webhook.Patterns(e.Type))...)
	_, err := s.exec(ctx, fanOutSQL("CAST($1 AS TEXT)", 5), args...)
	return dbErr("sqlstore.AddAudit", err)
}

// fanOutSQL is the INSERT ... SELECT of the deliveries of one event: $1 is
// its id (given as eventID, an expression), $2 its organization, $3 its
// time, $4 its type, and $first to $first+2 the patterns that select it
// (webhook.Patterns), matched through the index on webhook_patterns.
func fanOutSQL(eventID string, first int) string {
	p := func(i int) string { return "$" + strconv.Itoa(first+i) }
	return `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, org_id, event_type, status,
		created_at, next_attempt_at)
		SELECT w.id || '.' || ` + eventID + `, w.id, ` + eventID + `, CAST($2 AS TEXT), CAST($4 AS TEXT), 'pending',
			CAST($3 AS BIGINT), CAST($3 AS BIGINT) FROM webhook_endpoints w
		WHERE w.disabled_at IS NULL AND w.id IN (SELECT endpoint_id FROM webhook_patterns
			WHERE org_id = $2 AND pattern IN (` + p(0) + `, ` + p(1) + `, ` + p(2) + `))`
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
