// Package admin holds the administrators' use cases: the member list and
// record, changes of role, state and expiry, deleting, ending a member's
// sessions, setting a password, sending activation codes (one, or many behind
// a single-use confirmation), lifting a throttle, checking a support PIN said
// on the telephone, the organization's settings, and reading its audit log
// and outgoing messages. The admin pages, the management API and the command
// line call these and nothing else, so the rules of gatehouse.MayAdminister
// and the last-owner rule hold for all of them. Every change is audited with
// its actor, a member or an API key.
package admin

import (
	"context"
	"io"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// Store is what the administrators' reads need, outside a transaction.
type Store interface {
	gatehouse.MemberReader
	MemberByUsername(ctx context.Context, orgID, username string) (*gatehouse.Member, error)
	ListMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter) ([]*gatehouse.Member, string, error)
	CountMatching(ctx context.Context, orgID string, f gatehouse.MemberFilter, upTo int) (int, bool, error)
	AuditEvents(ctx context.Context, orgID string, f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, string, error)
	Messages(ctx context.Context, orgID string, f gatehouse.MessageFilter) ([]*gatehouse.Message, string, error)
	CreateConfirmation(ctx context.Context, c *gatehouse.Confirmation) error
	Confirmation(ctx context.Context, orgID, id string) (*gatehouse.Confirmation, error)
	gatehouse.AuditWriter
}

// Tx is what the administrators' changes write through, in a transaction:
// besides their own writes, the shared steps of package account.
type Tx interface {
	account.StepStore
	gatehouse.MemberReader
	gatehouse.MemberLocker
	LockOrganization(ctx context.Context, orgID string) error
	ListMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter) ([]*gatehouse.Member, string, error)
	CreateMember(ctx context.Context, m *gatehouse.Member) error
	ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error
	DeleteMember(ctx context.Context, orgID, id string) error
	DeleteMemberSessions(ctx context.Context, orgID, memberID, except string) (int, error)
	Confirmation(ctx context.Context, orgID, id string) (*gatehouse.Confirmation, error)
	UseConfirmation(ctx context.Context, orgID, id string, now time.Time) (*gatehouse.Confirmation, error)
	SetConfirmationResult(ctx context.Context, orgID, id, result string) error
	SetSettings(ctx context.Context, orgID string, values map[string]string, now time.Time) error
	SetQueuedSender(ctx context.Context, orgID, address, name string) (int, error)
}

// Steps are the use-case steps administrators share with members (package
// account): the one way to set a password, issue an activation link, forget
// trusted browsers, send a security notice, read a throttle.
type Steps interface {
	Settings(ctx context.Context, orgID string) (gatehouse.Settings, error)
	CheckPassword(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, field, password string) ([]gatehouse.FieldError, error)
	SetPassword(ctx context.Context, set *gatehouse.Settings, pc account.PasswordChange) error
	IssueActivation(ctx context.Context, tx account.StepStore, set *gatehouse.Settings, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client) (string, error)
	RevokeLinks(ctx context.Context, tx account.StepStore, m *gatehouse.Member) error
	ForgetDevices(ctx context.Context, tx account.StepStore, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client, reason string) (int, error)
	NotifyChanges(ctx context.Context, tx account.StepStore, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client, changes []gatehouse.Change, also ...string) error
	SignInThrottle(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, now time.Time) (time.Duration, int, error)
	LiftSignInThrottle(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member) error
	// Wake wakes the sender once a transaction that queued mail committed.
	Wake()
}

var _ Steps = (*account.Service)(nil)

// Service carries the dependencies of the administrators' use cases. Every
// field must be set except Now and Rand, which have working defaults.
type Service struct {
	Store     Store
	Tx        gatehouse.Transactor[Tx]
	Steps     Steps
	Counters  gatehouse.Counters
	Hasher    gatehouse.PasswordHasher
	Blocklist gatehouse.Blocklist
	// Resends sends failed notices again (resend.go).
	Resends gatehouse.Transactor[ResendTx]
	// Factors changes members' second factors (factors.go).
	Factors gatehouse.Transactor[FactorTx]
	Now     func() time.Time
	Rand    io.Reader
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

// Settings returns the organization's settings.
func (s *Service) Settings(ctx context.Context, orgID string) (gatehouse.Settings, error) {
	return s.Steps.Settings(ctx, orgID)
}

func (s *Service) kick() { s.Steps.Wake() }

// audit writes an audit event through st (the store or a transaction).
func (s *Service) audit(ctx context.Context, st gatehouse.AuditWriter, e *gatehouse.AuditEvent) error {
	return gatehouse.WriteAudit(ctx, st, e, s.now(), s.rand())
}

func event(t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) *gatehouse.AuditEvent {
	return gatehouse.NewEvent(t, orgID, actor, memberID, c, details)
}
