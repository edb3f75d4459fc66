package webhook

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/internal/safehttp"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// keyName is the server key that seals the signing secrets at rest: a copy of
// the database alone does not let anyone sign events.
const keyName = "webhook-secrets"

// DefaultGrace is how long the previous secret keeps signing after a rotation.
const DefaultGrace = 24 * time.Hour

// MaxEndpoints bounds the endpoints of one organization.
const MaxEndpoints = 20

// Service manages an organization's endpoints. Only administrators and owners
// (and API keys with those roles) use it.
type Service struct {
	Store Store
	// AllowPrivate lets endpoints use http and private, loopback and
	// link-local addresses (GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE).
	AllowPrivate bool
	// Grace is how long an old secret keeps signing (default DefaultGrace).
	Grace time.Duration
	Now   func() time.Time
	Rand  io.Reader
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

func requireAdmin(op string, actor gatehouse.Actor) error {
	if !actor.Role.IsAdmin() {
		return gatehouse.Errorf(gatehouse.Forbidden, op, "Only administrators and owners manage webhooks.")
	}
	return nil
}

func notFound(op string) error {
	return gatehouse.Errorf(gatehouse.NotFound, op, "There is no such webhook.")
}

// NewEndpoint is what Create needs.
type NewEndpoint struct {
	URL         string
	Events      []string
	Description string
}

// Create registers an endpoint and returns it with its signing secret, which
// is shown this once.
func (s *Service) Create(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID string, n NewEndpoint) (*Endpoint, string, error) {
	const op = "webhook.Create"
	if err := requireAdmin(op, actor); err != nil {
		return nil, "", err
	}
	var fields []gatehouse.FieldError
	n.URL = strings.TrimSpace(n.URL)
	if n.URL == "" {
		fields = append(fields, gatehouse.FieldError{Field: "url", Code: "required", Message: "Enter the URL that receives the events."})
	} else if err := safehttp.CheckURL(n.URL, s.AllowPrivate); err != nil {
		fields = append(fields, gatehouse.FieldError{Field: "url", Code: "invalid", Message: upper(err.Error()) + "."})
	}
	events, msg := CleanEvents(n.Events)
	if msg != "" {
		fields = append(fields, gatehouse.FieldError{Field: "events", Code: "invalid", Message: msg})
	}
	n.Description = strings.TrimSpace(n.Description)
	if len(n.Description) > 200 || strings.ContainsFunc(n.Description, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		fields = append(fields, gatehouse.FieldError{Field: "description", Code: "invalid", Message: "The description must be one line of at most 200 characters."})
	}
	if len(fields) > 0 {
		return nil, "", gatehouse.InvalidFields(op, fields...)
	}
	raw, err := NewSecret(s.rand())
	if err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	e := &Endpoint{ID: gatehouse.NewID(s.rand()), OrgID: orgID, URL: n.URL, Description: n.Description, Events: events,
		CreatedAt: s.now(), CreatedBy: actor.ID}
	err = s.Store.WebhookTx(ctx, func(st Store) error {
		existing, err := st.Webhooks(ctx, orgID)
		if err != nil {
			return err
		}
		if len(existing) >= MaxEndpoints {
			return gatehouse.Errorf(gatehouse.Conflict, op, "An organization has at most %d webhooks; delete one first.", MaxEndpoints)
		}
		if e.Secret, err = s.seal(ctx, st, e.ID, raw); err != nil {
			return err
		}
		if err := st.CreateWebhook(ctx, e); err != nil {
			return err
		}
		return s.audit(ctx, st, gatehouse.EventWebhookCreated, actor, c, orgID, map[string]string{
			"webhook_id": e.ID, "url": e.URL, "events": strings.Join(e.Events, " ")})
	})
	if err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	return e, raw, nil
}

// Endpoints lists the organization's endpoints.
func (s *Service) Endpoints(ctx context.Context, actor gatehouse.Actor, orgID string) ([]*Endpoint, error) {
	const op = "webhook.Endpoints"
	if err := requireAdmin(op, actor); err != nil {
		return nil, err
	}
	es, err := s.Store.Webhooks(ctx, orgID)
	return es, gatehouse.Wrap(op, err)
}

// Endpoint returns one endpoint of the organization.
func (s *Service) Endpoint(ctx context.Context, actor gatehouse.Actor, orgID, id string) (*Endpoint, error) {
	const op = "webhook.Endpoint"
	if err := requireAdmin(op, actor); err != nil {
		return nil, err
	}
	e, err := s.Store.Webhook(ctx, orgID, id)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, notFound(op)
	}
	return e, gatehouse.Wrap(op, err)
}

// Rotate gives the endpoint a new secret and returns it; the previous one
// keeps signing too for Grace, so that the receiver can switch without
// refusing events meanwhile.
func (s *Service) Rotate(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (string, error) {
	const op = "webhook.Rotate"
	if err := requireAdmin(op, actor); err != nil {
		return "", err
	}
	raw, err := NewSecret(s.rand())
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	grace := s.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	until := s.now().Add(grace)
	err = s.Store.WebhookTx(ctx, func(st Store) error {
		e, err := st.Webhook(ctx, orgID, id)
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			return notFound(op)
		}
		if err != nil {
			return err
		}
		sealed, err := s.seal(ctx, st, id, raw)
		if err != nil {
			return err
		}
		if err := st.RotateWebhookSecret(ctx, orgID, id, sealed, e.Secret, until); err != nil {
			return err
		}
		return s.audit(ctx, st, gatehouse.EventWebhookRotated, actor, c, orgID, map[string]string{
			"webhook_id": id, "old_secret_until": until.UTC().Format(time.RFC3339)})
	})
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	return raw, nil
}

// Delete removes an endpoint and its queued deliveries.
func (s *Service) Delete(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) error {
	const op = "webhook.Delete"
	if err := requireAdmin(op, actor); err != nil {
		return err
	}
	err := s.Store.WebhookTx(ctx, func(st Store) error {
		e, err := st.Webhook(ctx, orgID, id)
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			return notFound(op)
		}
		if err != nil {
			return err
		}
		if err := st.DeleteWebhook(ctx, orgID, id); err != nil {
			return err
		}
		return s.audit(ctx, st, gatehouse.EventWebhookDeleted, actor, c, orgID, map[string]string{"webhook_id": id, "url": e.URL})
	})
	return gatehouse.Wrap(op, err)
}

// Deliveries returns a page of the organization's deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, actor gatehouse.Actor, orgID string, f DeliveryFilter) ([]*Delivery, string, error) {
	const op = "webhook.Deliveries"
	if err := requireAdmin(op, actor); err != nil {
		return nil, "", err
	}
	ds, next, err := s.Store.WebhookDeliveries(ctx, orgID, f)
	return ds, next, gatehouse.Wrap(op, err)
}

func (s *Service) audit(ctx context.Context, st Store, t gatehouse.EventType, actor gatehouse.Actor, c gatehouse.Client, orgID string, details map[string]string) error {
	return st.AddAudit(ctx, &gatehouse.AuditEvent{
		ID: gatehouse.NewID(s.rand()), OrgID: orgID, At: s.now(), Type: t,
		ActorKind: actor.Kind, ActorID: actor.ID, ActorName: actor.Name,
		IP: c.IP, UserAgent: c.UserAgent, RequestID: c.RequestID, Details: details,
	})
}

// seal encrypts a secret for storage, bound to the endpoint's id.
func (s *Service) seal(ctx context.Context, st Store, id, raw string) (string, error) {
	key, err := st.ServerKey(ctx, keyName, 32)
	if err != nil {
		return "", err
	}
	return secret.Seal(key, []byte(raw), []byte("webhook:"+id), s.rand())
}

// openSecrets returns the secrets that sign for e at now: the current one,
// and the previous one during its grace period.
func openSecrets(ctx context.Context, st Store, e *Endpoint, now time.Time) ([]string, error) {
	key, err := st.ServerKey(ctx, keyName, 32)
	if err != nil {
		return nil, err
	}
	aad := []byte("webhook:" + e.ID)
	cur, err := secret.Open(key, e.Secret, aad)
	if err != nil {
		return nil, err
	}
	out := []string{string(cur)}
	if e.OldSecret != "" && now.Before(e.OldUntil) {
		old, err := secret.Open(key, e.OldSecret, aad)
		if err != nil {
			return nil, err
		}
		out = append(out, string(old))
	}
	return out, nil
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
