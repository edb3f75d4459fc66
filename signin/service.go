// Package signin holds the sign-in: the password and the passkey, the second
// step that follows (which factor is asked for, the administrators' rule, the
// setup of a second factor at sign-in), the session a reset signs in with,
// and a member's sessions afterwards (checked, listed, ended). The factors
// themselves are package twofactor's; the shared steps (settings, the
// sign-in throttle, forgetting trusted browsers) are package account's,
// declared here as Steps. It owns its store interfaces, Store and Tx.
package signin

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/twofactor"
)

// Store is what the sign-in reads, and what it writes outside a
// transaction: a session's activity, and the audit of a refusal.
type Store interface {
	Organization(ctx context.Context, id string) (*gatehouse.Organization, error)
	MembersByIdentifier(ctx context.Context, orgID, identifier string, limit int) ([]*gatehouse.Member, error)
	LegacyBcryptCost(ctx context.Context, orgID string) (int, error)
	SessionByToken(ctx context.Context, hash string) (*gatehouse.Session, *gatehouse.Member, error)
	TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error
	MemberSessions(ctx context.Context, orgID, memberID string, now time.Time) ([]*gatehouse.Session, error)
	SessionCode(ctx context.Context, orgID, sessionID string, purpose gatehouse.CodePurpose) (*gatehouse.SentCode, error)
	gatehouse.AuditWriter
}

// Tx is what a sign-in writes in its transaction: the session (started,
// rotated, ended), the member's sign-in, a trusted browser, a rehashed
// password, and, through account.StepStore, what the shared steps write.
type Tx interface {
	account.StepStore
	gatehouse.MemberLocker
	ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error
	RecordSignIn(ctx context.Context, orgID, memberID string, at time.Time) error
	CreateSession(ctx context.Context, s *gatehouse.Session) error
	UpdateSession(ctx context.Context, s *gatehouse.Session) error
	RotateSession(ctx context.Context, s *gatehouse.Session, oldHash string) error
	DeleteSession(ctx context.Context, orgID, id string) error
	DeleteMemberSessions(ctx context.Context, orgID, memberID, except string) (int, error)
	CreateTrustedDevice(ctx context.Context, d *gatehouse.TrustedDevice) error
	TouchTrustedDevice(ctx context.Context, id string, at time.Time, ip, userAgent string) error
}

// Steps are the shared steps of package account the sign-in takes.
type Steps interface {
	Settings(ctx context.Context, orgID string) (gatehouse.Settings, error)
	ReadSignInThrottle(ctx context.Context, set *gatehouse.Settings, k account.SignInKeys, now time.Time) (account.SignInState, error)
	CountSignInFailure(ctx context.Context, set *gatehouse.Settings, k account.SignInKeys, now time.Time) (time.Duration, error)
	RedactIdentifier(ctx context.Context, identifier string) (string, error)
	ForgetDevices(ctx context.Context, tx account.StepStore, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client, reason string) (int, error)
}

var _ Steps = (*account.Service)(nil)

// Service carries the dependencies of the sign-in. Every field must be set
// except Passkeys (none: nobody has passkeys), Now, Rand and Log.
type Service struct {
	Store    Store
	Tx       gatehouse.Transactor[Tx]
	Steps    Steps
	Factors  *twofactor.Service
	Counters gatehouse.Counters
	Hasher   gatehouse.PasswordHasher
	// Passkeys proves passkeys at sign-in; nil: no passkeys.
	Passkeys PasskeyChecker
	Now      func() time.Time
	Rand     io.Reader
	Log      *slog.Logger
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Settings returns the organization's settings.
func (s *Service) Settings(ctx context.Context, orgID string) (gatehouse.Settings, error) {
	return s.Steps.Settings(ctx, orgID)
}

// audit writes an audit event through st (the store or a transaction).
func (s *Service) audit(ctx context.Context, st gatehouse.AuditWriter, e *gatehouse.AuditEvent) error {
	return gatehouse.WriteAudit(ctx, st, e, s.now(), s.rand())
}

func event(t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) *gatehouse.AuditEvent {
	return gatehouse.NewEvent(t, orgID, actor, memberID, c, details)
}

func itoa(n int) string { return strconv.Itoa(n) }

func truncate(s string, n int) string { return gatehouse.Truncate(s, n) }

// orgOpen returns nil when the organization orgID is active: a suspended
// one's members neither sign in nor use their sessions, whoever calls
// (gatehouse.RequireActiveOrg).
func (s *Service) orgOpen(ctx context.Context, op, orgID string) error {
	o, err := s.Store.Organization(ctx, orgID)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	return gatehouse.RequireActiveOrg(op, o)
}
