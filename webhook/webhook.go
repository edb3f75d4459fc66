// Package webhook sends security events to the endpoints an organization
// registers, signed as Standard Webhooks 1.0 describes
// (https://www.standardwebhooks.com): headers webhook-id, webhook-timestamp and
// webhook-signature ("v1," and the base64 HMAC-SHA256 of id.timestamp.body
// under the endpoint's whsec_ secret).
//
// A delivery is queued by the store in the transaction that writes the audit
// event it is about (see sqlstore.Store.AddAudit), so an event is never
// recorded without its deliveries nor the other way round. The Worker claims
// due deliveries with a lease shared by every replica through the database,
// sends them and retries failures with backoff for about three days.
package webhook

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Endpoint is a URL that receives an organization's events.
type Endpoint struct {
	ID          string
	OrgID       string
	URL         string
	Description string
	// Events are the event types delivered: audit event types, "prefix.*"
	// for a family (second_factor.*) or "*" for all.
	Events []string
	// Secret is the sealed signing secret (see Service); OldSecret the sealed
	// previous one, which signs too until OldUntil, after a rotation.
	Secret    string
	OldSecret string
	OldUntil  time.Time
	CreatedAt time.Time
	CreatedBy string
	// DisabledAt is set when the receiver answered 410 Gone: nothing more is
	// sent to it.
	DisabledAt     time.Time
	DisabledReason string
}

// Active reports whether the endpoint still receives events.
func (e *Endpoint) Active() bool { return e.DisabledAt.IsZero() }

// Status is where a delivery stands.
type Status string

// Delivery states.
const (
	Pending   Status = "pending"
	Delivered Status = "delivered"
	Failed    Status = "failed"
)

// Delivery is one event for one endpoint. Its webhook-id is the event's id,
// the same on every retry, so that receivers can ignore repeats.
type Delivery struct {
	ID            string // endpoint id "." event id
	EndpointID    string
	EventID       string
	OrgID         string
	EventType     gatehouse.EventType
	Status        Status
	Attempts      int
	CreatedAt     time.Time
	NextAttemptAt time.Time
	LastAttemptAt time.Time
	DoneAt        time.Time
	LastStatus    int // the HTTP status of the last answer, 0 when none came
	LastError     string
	ClaimedBy     string
	ClaimedUntil  time.Time

	// Endpoint and Event are filled in by ClaimWebhookDeliveries: what a send needs.
	Endpoint *Endpoint
	Event    *gatehouse.AuditEvent
}

// DeliveryFilter selects deliveries for the status page. Zero fields do not filter.
type DeliveryFilter struct {
	EndpointID string
	Status     Status
	Cursor     string
	Limit      int
}

// Store keeps endpoints and the delivery queue. Package sqlstore implements it.
type Store interface {
	CreateWebhook(ctx context.Context, e *Endpoint) error
	Webhook(ctx context.Context, orgID, id string) (*Endpoint, error)
	// Webhooks lists the organization's endpoints, oldest first.
	Webhooks(ctx context.Context, orgID string) ([]*Endpoint, error)
	// RotateWebhookSecret sets the sealed secret and keeps old signing until oldUntil.
	RotateWebhookSecret(ctx context.Context, orgID, id, secret, old string, oldUntil time.Time) error
	// DeleteWebhook removes the endpoint and its deliveries.
	DeleteWebhook(ctx context.Context, orgID, id string) error
	// DisableWebhook stops deliveries to the endpoint: its pending deliveries fail.
	DisableWebhook(ctx context.Context, orgID, id, reason string, at time.Time) error
	// ClaimWebhookDeliveries leases up to n pending deliveries due at now to
	// worker until now + lease, with their endpoint and event. Deliveries whose
	// lease ran out can be claimed again; concurrent claimers, in any process,
	// never get the same delivery.
	ClaimWebhookDeliveries(ctx context.Context, worker string, now time.Time, lease time.Duration, n int) ([]*Delivery, error)
	// MarkWebhookDone records the outcome of an attempt by worker: delivered,
	// failed (final) or, with status Pending, a retry at next. NotFound unless
	// worker still holds the claim.
	MarkWebhookDone(ctx context.Context, id, worker string, r Result) error
	// WebhookDeliveries returns a page of deliveries, newest first, and the
	// cursor of the next page ("" after the last).
	WebhookDeliveries(ctx context.Context, orgID string, f DeliveryFilter) ([]*Delivery, string, error)
	AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error
	// ServerKey returns the named random key shared by every replica.
	ServerKey(ctx context.Context, name string, size int) ([]byte, error)
	// WebhookTx runs fn in one transaction (a savepoint inside one).
	WebhookTx(ctx context.Context, fn func(Store) error) error
}

// Result is the outcome of one attempt.
type Result struct {
	Status     Status // Delivered, Failed, or Pending for a retry at Next
	At         time.Time
	Next       time.Time
	HTTPStatus int
	Error      string
}
