package account

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/outbox"
)

// The steps that other features share with the member's own use cases: an
// administrator setting a password goes through the same SetPassword as the
// member changing it, so the policy, the history, the links that end and the
// notice cannot differ. Each step that writes takes the caller's transaction
// as a StepStore.

// StepStore is what the shared steps (IssueActivation, RevokeLinks,
// ForgetDevices, NotifyChanges) write and read through: the caller's
// transaction, or the store itself.
type StepStore interface {
	CreateToken(ctx context.Context, t *gatehouse.Token) error
	RevokeTokens(ctx context.Context, orgID, memberID string, purpose gatehouse.TokenPurpose, now time.Time) (int, error)
	DeleteTrustedDevices(ctx context.Context, orgID, memberID string) (int, error)
	Settings(ctx context.Context, orgID string) (map[string]string, error)
	outbox.Queue
	gatehouse.AuditWriter
}

// Wake wakes the sender after a transaction that queued messages committed.
func (s *Service) Wake() { s.kick() }
