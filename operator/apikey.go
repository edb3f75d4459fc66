package operator

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// APIKeyPrefix starts every operator API key, apart from organizations' keys
// (gatehouse.APIKeyPrefix), so that one is never mistaken for the other.
const APIKeyPrefix = "gho_"

// APIKey is a provisioning system's credential for /api/v1/operator. Only the
// SHA-256 of the key is stored; the key is shown once.
type APIKey struct {
	ID        string
	Name      string
	Hash      string
	Prefix    string
	CreatedAt time.Time
	CreatedBy string
	// CreatedByID is the operator who created the key ("" for the command
	// line): while they are disabled or removed, the key does not work.
	CreatedByID string
	LastUsedAt  time.Time
	RevokedAt   time.Time
}

// Actor returns the actor the key's requests act as: an operator actor named
// for the key.
func (k *APIKey) Actor() gatehouse.Actor {
	return gatehouse.Actor{Kind: gatehouse.ActorOperator, ID: "key:" + k.ID, Name: "API key " + k.Name}
}

func hashKey(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

// CreateAPIKey makes an operator API key and returns it with the key itself,
// which is shown this once.
func (s *Service) CreateAPIKey(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, name string) (*APIKey, string, error) {
	const op = "operator.CreateAPIKey"
	if err := mayAct(op, actor); err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	if fe := gatehouse.ValidateAPIKeyName(name); fe != nil {
		return nil, "", gatehouse.InvalidFields(op, *fe)
	}
	var b [32]byte
	if _, err := io.ReadFull(s.rand(), b[:]); err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	raw := APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	k := &APIKey{ID: gatehouse.NewID(s.rand()), Name: name, Hash: hashKey(raw), Prefix: raw[:len(APIKeyPrefix)+4],
		CreatedAt: s.now(), CreatedBy: s.entry(actor, c, "", "", "", "", "", "").OperatorName}
	if actor.Kind == gatehouse.ActorOperator && !strings.HasPrefix(actor.ID, "key:") {
		k.CreatedByID = actor.ID
	}
	if err := s.APIKeyStore.CreateOperatorAPIKey(ctx, k, s.entry(actor, c, ActionAPIKeyCreated, "", k.ID, "", "", name)); err != nil {
		if gatehouse.IsCode(err, gatehouse.Conflict) {
			return nil, "", gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldName, Code: "taken", Message: "A key with that name exists: revoke it first or choose another name."})
		}
		return nil, "", gatehouse.Wrap(op, err)
	}
	return k, raw, nil
}

// ErrBadKey is the answer for a missing, unknown or revoked operator API key.
var ErrBadKey = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "operator.Authenticate",
	Message: "An operator API key is needed (Authorization: Bearer gho_...)."}

// touchEvery is how stale a key's last-used time may get before a call
// records it again: a provisioning system's polling costs one write a minute.
const touchEvery = time.Minute

// Authenticate returns the unrevoked key raw, and records its use (at most
// once a minute), so that the list of keys shows which are still used.
func (s *Service) Authenticate(ctx context.Context, raw string) (*APIKey, error) {
	const op = "operator.Authenticate"
	if !strings.HasPrefix(raw, APIKeyPrefix) || len(raw) > 100 {
		return nil, ErrBadKey
	}
	k, err := s.APIKeyStore.OperatorAPIKeyByHash(ctx, hashKey(raw))
	if gatehouse.IsCode(err, gatehouse.NotFound) || err == nil && !k.RevokedAt.IsZero() {
		return nil, ErrBadKey
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if ok, err := s.keyOwnerActive(ctx, k.CreatedByID); err != nil {
		return nil, gatehouse.Wrap(op, err)
	} else if !ok {
		return nil, ErrBadKey
	}
	if now := s.now(); now.Sub(k.LastUsedAt) >= touchEvery {
		if err := s.APIKeyStore.TouchOperatorAPIKey(ctx, k.ID, now, touchEvery); err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		k.LastUsedAt = now
	}
	return k, nil
}

// APIKeys lists the operator API keys, never the keys themselves.
func (s *Service) APIKeys(ctx context.Context, actor gatehouse.Actor) ([]*APIKey, error) {
	if err := mayAct("operator.APIKeys", actor); err != nil {
		return nil, err
	}
	ks, err := s.APIKeyStore.OperatorAPIKeys(ctx)
	return ks, gatehouse.Wrap("operator.APIKeys", err)
}

// RevokeAPIKey revokes the key at once.
func (s *Service) RevokeAPIKey(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, id string) error {
	const op = "operator.RevokeAPIKey"
	if err := mayAct(op, actor); err != nil {
		return err
	}
	err := s.APIKeyStore.RevokeOperatorAPIKey(ctx, id, s.now(), s.entry(actor, c, ActionAPIKeyRevoked, "", id, "", "", ""))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return gatehouse.Errorf(gatehouse.NotFound, op, "There is no such key, or it is revoked already.")
	}
	return gatehouse.Wrap(op, err)
}
