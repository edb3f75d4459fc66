package gatehouse

import (
	"context"
	"time"
	"unicode/utf8"
)

// APIKeyPrefix starts every API key, so that a key pasted into a chat or a
// repository is recognisable (and can be found by secret scanners).
const APIKeyPrefix = "gh_"

// APIKey is an integrator's credential for the management API. The key itself
// (APIKeyPrefix and 256 random bits) is shown once when it is created; only its
// SHA-256 is stored. A key belongs to one organization and acts there with its
// Role.
type APIKey struct {
	ID    string
	OrgID string
	Name  string
	Role  Role
	Hash  string // hex SHA-256 of the whole key
	// Prefix is the beginning of the key (APIKeyPrefix and a few characters),
	// kept so people can tell their keys apart in lists. It reveals too little
	// of the 256 random bits to matter.
	Prefix     string
	CreatedAt  time.Time
	CreatedBy  string // the name of the actor who created it
	LastUsedAt time.Time
	RevokedAt  time.Time // zero while the key works
}

// Revoked reports whether the key has been revoked.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Actor returns the actor the key's requests act as.
func (k *APIKey) Actor() Actor {
	return Actor{Kind: ActorAPIKey, ID: k.ID, Name: k.Name, Role: k.Role, OrgID: k.OrgID}
}

// MaxAPIKeyNameLength bounds the name of an API key.
const MaxAPIKeyNameLength = 64

// ValidateAPIKeyName checks an API key's name: 1 to 64 printable characters. The
// name is the actor in the audit log, so it should say which integration uses it.
func ValidateAPIKeyName(n string) *FieldError {
	if n == "" {
		return &FieldError{Field: "name", Code: "required", Message: "Give the key a name that says which application uses it."}
	}
	if !utf8.ValidString(n) || utf8.RuneCountInString(n) > MaxAPIKeyNameLength {
		return &FieldError{Field: "name", Code: "too_long", Message: "A key name has at most 64 characters."}
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f {
			return &FieldError{Field: "name", Code: "invalid_character", Message: "A key name may not contain control characters."}
		}
	}
	return nil
}

// APIKeyStore keeps API keys, by hash only.
type APIKeyStore interface {
	// CreateAPIKey stores k. A name already used by an unrevoked key of the
	// organization is a Conflict.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash returns the key, revoked or not, whose Hash is hash.
	APIKeyByHash(ctx context.Context, hash string) (*APIKey, error)
	APIKey(ctx context.Context, orgID, id string) (*APIKey, error)
	// APIKeys lists the organization's keys, revoked ones included, newest first.
	APIKeys(ctx context.Context, orgID string) ([]*APIKey, error)
	// RevokeAPIKey revokes the key at at; NotFound when it is unknown or
	// already revoked.
	RevokeAPIKey(ctx context.Context, orgID, id string, at time.Time) error
	// TouchAPIKey records a use at at, unless the recorded last use is later
	// than at minus every: one write a minute at most, however busy the key.
	TouchAPIKey(ctx context.Context, id string, at time.Time, every time.Duration) error
}
