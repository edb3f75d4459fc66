package account

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// apiKeyTouchEvery is how stale an API key's last-used time may get before a
// request records it again: one write a minute keeps API calls cheap.
const apiKeyTouchEvery = time.Minute

// CreateAPIKey creates an API key for the organization and returns the key,
// which is shown this once, and its record. Administrators create
// administrator keys; only owners create owner keys. A key cannot create keys.
func (s *Service) CreateAPIKey(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, name string, role gatehouse.Role) (string, *gatehouse.APIKey, error) {
	const op = "account.CreateAPIKey"
	if err := requireAdmin(op, actor, orgID); err != nil {
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
	raw, _, err := secret.NewToken(s.rand())
	if err != nil {
		return "", nil, gatehouse.Wrap(op, err)
	}
	key := gatehouse.APIKeyPrefix + raw
	k := &gatehouse.APIKey{
		ID: gatehouse.NewID(s.rand()), OrgID: orgID, Name: name, Role: role, Hash: secret.HashToken(key),
		Prefix: key[:len(gatehouse.APIKeyPrefix)+6], CreatedAt: s.now(), CreatedBy: actor.Name,
	}
	err = s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		if err := tx.CreateAPIKey(ctx, k); err != nil {
			if gatehouse.IsCode(err, gatehouse.Conflict) {
				return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "name", Code: "taken", Message: "A key with this name exists already."})
			}
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, tx, event(gatehouse.EventAPIKeyCreated, orgID, actor, "", c,
			map[string]string{"key_id": k.ID, "name": k.Name, "role": string(k.Role), "prefix": k.Prefix}))
	})
	if err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// APIKeys lists the organization's API keys, revoked ones included, for an
// administrator. The keys themselves are not in it: only their hashes exist.
func (s *Service) APIKeys(ctx context.Context, actor gatehouse.Actor, orgID string) ([]*gatehouse.APIKey, error) {
	const op = "account.APIKeys"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	ks, err := s.Store.APIKeys(ctx, orgID)
	return ks, gatehouse.Wrap(op, err)
}

// RevokeAPIKey revokes a key at once: its next request is refused. Only an
// owner revokes an owner key.
func (s *Service) RevokeAPIKey(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) error {
	const op = "account.RevokeAPIKey"
	if err := requireAdmin(op, actor, orgID); err != nil {
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
	return s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		if err := tx.RevokeAPIKey(ctx, orgID, id, s.now()); err != nil {
			if gatehouse.IsCode(err, gatehouse.NotFound) {
				return gatehouse.Errorf(gatehouse.NotFound, op, "This key has been revoked already.")
			}
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, tx, event(gatehouse.EventAPIKeyRevoked, orgID, actor, "", c,
			map[string]string{"key_id": k.ID, "name": k.Name, "role": string(k.Role)}))
	})
}

// ErrAPIKeyInvalid answers a request whose key is missing, malformed, unknown
// or revoked.
var ErrAPIKeyInvalid = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "account.AuthenticateAPIKey",
	Message: "A valid API key is required: send it as Authorization: Bearer KEY."}

// AuthenticateAPIKey returns the key for a request's bearer token, throttled
// to the organization's api_requests_per_minute per key (a fixed one-minute
// window, shared by every replica through the counters). It records the key's
// last use at most once a minute. A revoked key in use is audited, once a
// minute at most; an unknown key is not, since anyone can send one.
func (s *Service) AuthenticateAPIKey(ctx context.Context, raw string, c gatehouse.Client) (*gatehouse.APIKey, error) {
	const op = "account.AuthenticateAPIKey"
	rest, ok := strings.CutPrefix(raw, gatehouse.APIKeyPrefix)
	if !ok || !secret.ValidToken(rest) {
		return nil, ErrAPIKeyInvalid
	}
	k, err := s.Store.APIKeyByHash(ctx, secret.HashToken(raw))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, ErrAPIKeyInvalid
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	now := s.now()
	if k.Revoked() {
		cnt, err := s.Counters.Incr(ctx, "api:revoked:"+k.ID, now, time.Minute, false)
		if err == nil && cnt.Count == 1 {
			_ = s.audit(ctx, s.Store, event(gatehouse.EventAPICall, k.OrgID, k.Actor(), "", c,
				map[string]string{"outcome": "revoked_key"}))
		}
		return nil, ErrAPIKeyInvalid
	}
	set, err := s.Settings(ctx, k.OrgID)
	if err != nil {
		return nil, err
	}
	cnt, err := s.Counters.Incr(ctx, "api:rate:"+k.ID, now, time.Minute, false)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if cnt.Count > set.APIRequestsPerMinute {
		if cnt.Count == set.APIRequestsPerMinute+1 {
			_ = s.audit(ctx, s.Store, event(gatehouse.EventRequestThrottled, k.OrgID, k.Actor(), "", c,
				map[string]string{"limit": itoa(set.APIRequestsPerMinute) + "/min"}))
		}
		wait := cnt.First.Add(time.Minute).Sub(now)
		return nil, &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: retrySeconds(wait),
			Message: "This API key has made more than " + itoa(set.APIRequestsPerMinute) + " requests this minute. Wait " + humanWait(wait) + "."}
	}
	if now.Sub(k.LastUsedAt) >= apiKeyTouchEvery {
		if err := s.Store.TouchAPIKey(ctx, k.ID, now, apiKeyTouchEvery); err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		k.LastUsedAt = now
	}
	return k, nil
}

// AuditAPICall records a state-changing API call and its outcome, whatever it
// was: the use case's own event says what changed; this one also records the
// refusals (a 403 for an owner, a 422 for bad input) that changed nothing.
func (s *Service) AuditAPICall(ctx context.Context, k *gatehouse.APIKey, c gatehouse.Client, method, route string, status int, memberID string) error {
	return s.audit(ctx, s.Store, event(gatehouse.EventAPICall, k.OrgID, k.Actor(), memberID, c,
		map[string]string{"method": method, "route": route, "status": itoa(status)}))
}
