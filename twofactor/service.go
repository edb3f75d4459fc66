// Package twofactor holds a member's second factors: the authenticator app
// (TOTP) and its recovery codes, codes sent by SMS or email, trusted
// browsers and the mobile number (Mobile). It checks what a member answers
// with and lets the member set up, list and remove them; the sign-in that
// asks for them is package signin's. It owns its store interfaces, Store and
// Tx, and declares the few shared steps of package account it calls (Steps).
package twofactor

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/outbox"
)

// Store is what the second factors read, and the single atomic writes made
// outside a transaction (a code tried, an app's step used).
type Store interface {
	ServerKey(ctx context.Context, name string, size int) ([]byte, error)
	Authenticator(ctx context.Context, orgID, memberID string) (*gatehouse.Authenticator, error)
	SaveAuthenticator(ctx context.Context, a *gatehouse.Authenticator) error
	UseAuthenticatorStep(ctx context.Context, orgID, memberID string, step int64, at time.Time) error
	RecoveryCodesLeft(ctx context.Context, orgID, memberID string) (int, error)
	UseRecoveryCode(ctx context.Context, orgID, memberID, hash string, now time.Time) error
	SessionCode(ctx context.Context, orgID, sessionID string, purpose gatehouse.CodePurpose) (*gatehouse.SentCode, error)
	TryCode(ctx context.Context, id, hash string, now time.Time, maxAttempts int) (*gatehouse.SentCode, error)
	TrustedDeviceByToken(ctx context.Context, hash string) (*gatehouse.TrustedDevice, error)
	TrustedDevices(ctx context.Context, orgID, memberID string, now time.Time) ([]*gatehouse.TrustedDevice, error)
	// Message is the message that carries a code, for its delivery.
	Message(ctx context.Context, orgID, id string) (*gatehouse.Message, error)
	gatehouse.AuditWriter
}

// Tx is what the second factors write in a transaction, besides the shared
// steps' account.StepStore.
type Tx interface {
	account.StepStore
	gatehouse.MemberLocker
	ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error
	UpdateSession(ctx context.Context, s *gatehouse.Session) error
	SaveCode(ctx context.Context, c *gatehouse.SentCode, deadAt int) error
	CreateTrustedDevice(ctx context.Context, d *gatehouse.TrustedDevice) error
	DeleteTrustedDevice(ctx context.Context, orgID, memberID, id string) error
	DeleteAuthenticator(ctx context.Context, orgID, memberID string) error
	ReplaceRecoveryCodes(ctx context.Context, orgID, memberID string, hashes []string, at time.Time) error
	UseAuthenticatorStep(ctx context.Context, orgID, memberID string, step int64, at time.Time) error
}

// Steps are the shared steps of package account the second factors take:
// the settings, the current password before a change, the security notice,
// forgetting trusted browsers.
type Steps interface {
	Settings(ctx context.Context, orgID string) (gatehouse.Settings, error)
	CheckCurrentPassword(ctx context.Context, set *gatehouse.Settings, op string, m *gatehouse.Member, current string, c gatehouse.Client) error
	NotifyChanges(ctx context.Context, tx account.StepStore, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client, changes []gatehouse.Change, also ...string) error
	ForgetDevices(ctx context.Context, tx account.StepStore, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client, reason string) (int, error)
}

var _ Steps = (*account.Service)(nil)

// Service carries the dependencies of the second factors. Every field must
// be set except Now and Rand, which have working defaults.
type Service struct {
	Store    Store
	Tx       gatehouse.Transactor[Tx]
	Steps    Steps
	Counters gatehouse.Counters
	// Outbox composes, queues and sends the codes and notices.
	Outbox *outbox.Outbox
	Now    func() time.Time
	Rand   io.Reader
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

// audit writes an audit event through st (the store or a transaction).
func (s *Service) audit(ctx context.Context, st gatehouse.AuditWriter, e *gatehouse.AuditEvent) error {
	return gatehouse.WriteAudit(ctx, st, e, s.now(), s.rand())
}

func event(t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) *gatehouse.AuditEvent {
	return gatehouse.NewEvent(t, orgID, actor, memberID, c, details)
}

func itoa(n int) string { return strconv.Itoa(n) }

func truncate(s string, n int) string { return gatehouse.Truncate(s, n) }
