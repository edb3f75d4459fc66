// Package apikey holds the use cases of integrators' API keys: creating,
// listing and revoking them (administrators), and authenticating and auditing
// the requests made with them (the API). It owns its store interface, Store,
// which holds only what these use cases call.
package apikey

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// Store is the storage of the API-key use cases. Package sqlstore
// implements it.
type Store interface {
	gatehouse.APIKeyStore
	AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error
	// Settings returns the stored settings of the organization (the API's
	// request limit is one).
	Settings(ctx context.Context, orgID string) (map[string]string, error)
	// Organization returns the organization with id: a suspended one's keys
	// are refused.
	Organization(ctx context.Context, id string) (*gatehouse.Organization, error)
}

// Service carries the dependencies of the API-key use cases. Every field must
// be set except Now and Rand, which have working defaults.
type Service struct {
	Store    Store
	Tx       gatehouse.Transactor[Store]
	Counters gatehouse.Counters
	Now      func() time.Time
	Rand     io.Reader
	Log      *slog.Logger
}

// touchEvery is how stale an API key's last-used time may get before a
// request records it again: one write a minute keeps API calls cheap.
const touchEvery = time.Minute

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

// active returns nil when the organization orgID is active: a suspended
// one's keys are refused and it gets no new ones (gatehouse.RequireActiveOrg).
func (s *Service) active(ctx context.Context, op, orgID string) error {
	o, err := s.Store.Organization(ctx, orgID)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	return gatehouse.RequireActiveOrg(op, o)
}

// audit writes e through st (the store or a transaction of it).
func (s *Service) audit(ctx context.Context, st Store, e *gatehouse.AuditEvent) error {
	if err := gatehouse.RequireOrg("apikey.audit", e.OrgID); err != nil {
		return err
	}
	e.ID, e.At = gatehouse.NewID(s.rand()), s.now()
	if err := st.AddAudit(ctx, e); err != nil {
		return gatehouse.Wrap("apikey.audit", err)
	}
	return nil
}

// Create creates an API key for the organization and returns the key, which
// is shown this once, and its record. Administrators create administrator
// keys; only owners create owner keys. A key cannot create keys.
func (s *Service) Create(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, name string, role gatehouse.Role) (string, *gatehouse.APIKey, error) {
	const op = "apikey.Create"
	if err := gatehouse.RequireAdmin(op, actor, orgID); err != nil {
		return "", nil, err
	}
	if actor.Kind == gatehouse.ActorAPIKey {
		return "", nil, gatehouse.Errorf(gatehouse.Forbidden, op, "An API key cannot create API keys.")
	}
	name = strings.TrimSpace(name)
	var errs []gatehouse.FieldError
	if fe := gatehouse.ValidateAPIKeyName(name); fe != nil {
		errs = append(errs, *fe)
	}
	if role != gatehouse.RoleAdministrator && role != gatehouse.RoleOwner {
		errs = append(errs, gatehouse.FieldError{Field: "role", Code: "invalid", Message: "The role of a key must be administrator or owner."})
	}
	if len(errs) > 0 {
		return "", nil, gatehouse.InvalidFields(op, errs...)
	}
	if err := gatehouse.MayGrantRole(op, actor, role); err != nil {
		return "", nil, err
	}
	if err := s.active(ctx, op, orgID); err != nil {
		return "", nil, err
	}
	raw, _, err := secret.NewToken(s.rand())
	if err != nil {
		return "", nil, gatehouse.Wrap(op, err)
	}
	key := gatehouse.APIKeyPrefix + raw
	k := &gatehouse.APIKey{
		ID: gatehouse.NewID(s.rand()), OrgID: orgID, Name: name, Role: role, Hash: secret.HashToken(key),
		Prefix: key[:len(gatehouse.APIKeyPrefix)+6], CreatedAt: s.now(), CreatedBy: actor.Name,
	}
	err = s.Tx.Tx(ctx, func(tx Store) error {
		if err := tx.CreateAPIKey(ctx, k); err != nil {
			if gatehouse.IsCode(err, gatehouse.Conflict) {
				return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "name", Code: "taken", Message: "A key with this name exists already."})
			}
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, tx, gatehouse.NewEvent(gatehouse.EventAPIKeyCreated, orgID, actor, "", c,
			map[string]string{"key_id": k.ID, "name": k.Name, "role": string(k.Role), "prefix": k.Prefix}))
	})
	if err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// List lists the organization's API keys, revoked ones included, for an
// administrator. The keys themselves are not in it: only their hashes exist.
func (s *Service) List(ctx context.Context, actor gatehouse.Actor, orgID string) ([]*gatehouse.APIKey, error) {
	const op = "apikey.List"
	if err := gatehouse.RequireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	ks, err := s.Store.APIKeys(ctx, orgID)
	return ks, gatehouse.Wrap(op, err)
}

// Revoke revokes a key at once: its next request is refused. Only an owner
// revokes an owner key.
func (s *Service) Revoke(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) error {
	const op = "apikey.Revoke"
	if err := gatehouse.RequireAdmin(op, actor, orgID); err != nil {
		return err
	}
	k, err := s.Store.APIKey(ctx, orgID, id)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return gatehouse.Errorf(gatehouse.NotFound, op, "There is no such API key.")
	}
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	if k.Role == gatehouse.RoleOwner && actor.Role != gatehouse.RoleOwner {
		return gatehouse.Errorf(gatehouse.Forbidden, op, "Only an owner may revoke an owner key.")
	}
	return s.Tx.Tx(ctx, func(tx Store) error {
		if err := tx.RevokeAPIKey(ctx, orgID, id, s.now()); err != nil {
			if gatehouse.IsCode(err, gatehouse.NotFound) {
				return gatehouse.Errorf(gatehouse.NotFound, op, "This key has been revoked already.")
			}
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, tx, gatehouse.NewEvent(gatehouse.EventAPIKeyRevoked, orgID, actor, "", c,
			map[string]string{"key_id": k.ID, "name": k.Name, "role": string(k.Role)}))
	})
}

// ErrInvalid answers a request whose key is missing, malformed, unknown or
// revoked.
var ErrInvalid = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "apikey.Authenticate",
	Message: "A valid API key is required: send it as Authorization: Bearer KEY."}

// Authenticate returns the key for a request's bearer token sent to the
// organization orgID (the one whose host the request named): a key of another
// organization is no key there, as an unknown one. It is throttled to the
// organization's api_requests_per_minute per key (a fixed one-minute window,
// shared by every replica through the counters). It records the key's last
// use at most once a minute. A revoked key in use is audited, once a minute at
// most; an unknown key is not, since anyone can send one.
func (s *Service) Authenticate(ctx context.Context, orgID, raw string, c gatehouse.Client) (*gatehouse.APIKey, error) {
	const op = "apikey.Authenticate"
	rest, ok := strings.CutPrefix(raw, gatehouse.APIKeyPrefix)
	if !ok || !secret.ValidToken(rest) {
		return nil, ErrInvalid
	}
	k, err := s.Store.APIKeyByHash(ctx, secret.HashToken(raw))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if !k.Actor().ActsIn(orgID) {
		return nil, ErrInvalid
	}
	if err := s.active(ctx, op, k.OrgID); err != nil {
		return nil, err
	}
	now := s.now()
	if k.Revoked() {
		cnt, err := s.Counters.Incr(ctx, "api:revoked:"+k.ID, now, time.Minute, false)
		if err == nil && cnt.Count == 1 {
			_ = s.audit(ctx, s.Store, gatehouse.NewEvent(gatehouse.EventAPICall, k.OrgID, k.Actor(), "", c,
				map[string]string{"outcome": "revoked_key"}))
		}
		return nil, ErrInvalid
	}
	stored, err := s.Store.Settings(ctx, k.OrgID)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	limit := gatehouse.LoadSettings(stored).APIRequestsPerMinute
	cnt, err := s.Counters.Incr(ctx, "api:rate:"+k.ID, now, time.Minute, false)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if cnt.Count > limit {
		if cnt.Count == limit+1 {
			_ = s.audit(ctx, s.Store, gatehouse.NewEvent(gatehouse.EventRequestThrottled, k.OrgID, k.Actor(), "", c,
				map[string]string{"limit": strconv.Itoa(limit) + "/min"}))
		}
		wait := cnt.First.Add(time.Minute).Sub(now)
		return nil, &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: gatehouse.RetrySeconds(wait),
			Message: "This API key has made more than " + strconv.Itoa(limit) + " requests this minute. Wait " + gatehouse.HumanWait(wait) + "."}
	}
	if now.Sub(k.LastUsedAt) >= touchEvery {
		if err := s.Store.TouchAPIKey(ctx, k.ID, now, touchEvery); err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		k.LastUsedAt = now
	}
	return k, nil
}

// AuditCall records a state-changing API call and its outcome, whatever it
// was: the use case's own event says what changed; this one also records the
// refusals (a 403 for an owner, a 422 for bad input) that changed nothing.
func (s *Service) AuditCall(ctx context.Context, k *gatehouse.APIKey, c gatehouse.Client, method, route string, status int, memberID string) error {
	return s.audit(ctx, s.Store, gatehouse.NewEvent(gatehouse.EventAPICall, k.OrgID, k.Actor(), memberID, c,
		map[string]string{"method": method, "route": route, "status": strconv.Itoa(status)}))
}
