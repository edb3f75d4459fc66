// Package recovery holds the use cases of one-time links: a forgotten
// password (the request, behind a CAPTCHA and throttles, and the reset page),
// activation (an account's first password, or a new one an administrator
// sent a link for), and the setup link that creates an organization's first
// owner. Each link is a token of 256 random bits stored as its hash, used
// once, in the transaction of the change it makes; refusals count against
// the client address.
package recovery

import (
	"context"
	"io"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/signin"
)

// Store is what the links' reads need, outside a transaction.
type Store interface {
	gatehouse.MemberReader
	MembersByIdentifier(ctx context.Context, orgID, identifier string, limit int) ([]*gatehouse.Member, error)
	CountMembers(ctx context.Context, orgID string, role gatehouse.Role, state gatehouse.State) (int, error)
	Token(ctx context.Context, hash string) (*gatehouse.Token, error)
	UseToken(ctx context.Context, hash string, now time.Time) (*gatehouse.Token, error)
	Organization(ctx context.Context, id string) (*gatehouse.Organization, error)
	gatehouse.AuditWriter
}

// Tx is what the links' changes write through, in a transaction: besides
// their own writes, the shared steps of package account.
type Tx interface {
	account.StepStore
	CountMembers(ctx context.Context, orgID string, role gatehouse.Role, state gatehouse.State) (int, error)
	CreateMember(ctx context.Context, m *gatehouse.Member) error
	UseToken(ctx context.Context, hash string, now time.Time) (*gatehouse.Token, error)
}

// Steps are the use-case steps the links share with the member's own use
// cases (package account): setting a password, a security email;
// the links into the organization.
type Steps interface {
	Settings(ctx context.Context, orgID string) (gatehouse.Settings, error)
	LinkIn(ctx context.Context, orgID, path string, query url.Values) string
	CheckNew(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, pw, confirm string, c gatehouse.Client) error
	SetPassword(ctx context.Context, set *gatehouse.Settings, pc account.PasswordChange) error
	RedactIdentifier(ctx context.Context, identifier string) (string, error)
	QueueEmailTo(ctx context.Context, st account.StepStore, set *gatehouse.Settings, m *gatehouse.Member, to, kind string, d gatehouse.MessageData) error
	// Wake wakes the sender once a transaction that queued mail committed.
	Wake()
}

var _ Steps = (*account.Service)(nil)

// SignIns are the steps of the sign-in (package signin) that a completed
// reset takes when it signs the member in (setting reset_signs_in).
type SignIns interface {
	StageAfterReset(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings) (gatehouse.Stage, error)
	SignInAfterReset(ctx context.Context, tx signin.ResetTx, m *gatehouse.Member, set *gatehouse.Settings, stage gatehouse.Stage, c gatehouse.Client) (string, *gatehouse.Session, error)
	StartSecondFactor(ctx context.Context, set *gatehouse.Settings, sess *gatehouse.Session, m *gatehouse.Member, c gatehouse.Client)
}

var _ SignIns = (*signin.Service)(nil)

// Service carries the dependencies of the links' use cases. Every field must
// be set except Captcha (none: every answer is refused unless the
// organization turned the CAPTCHA off), Now and Rand.
type Service struct {
	Store    Store
	Tx       gatehouse.Transactor[Tx]
	Steps    Steps
	SignIns  SignIns
	Counters gatehouse.Counters
	Captcha  gatehouse.Captcha
	// Hasher and Blocklist serve the first owner's password at setup.
	Hasher    gatehouse.PasswordHasher
	Blocklist gatehouse.Blocklist
	Now       func() time.Time
	Rand      io.Reader
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

// Settings returns the organization's settings.
func (s *Service) Settings(ctx context.Context, orgID string) (gatehouse.Settings, error) {
	return s.Steps.Settings(ctx, orgID)
}

func (s *Service) kick() { s.Steps.Wake() }

// open refuses the links and requests of a suspended organization, whoever
// calls (gatehouse.RequireActiveOrg), before a link is looked at; nothing is
// deleted, so a link that has not expired works again once it is resumed.
func (s *Service) open(ctx context.Context, op, orgID string) error {
	if err := gatehouse.RequireOrg(op, orgID); err != nil {
		return err
	}
	o, err := s.Store.Organization(ctx, orgID)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	return gatehouse.RequireActiveOrg(op, o)
}

// audit writes an audit event through st (the store or a transaction).
func (s *Service) audit(ctx context.Context, st gatehouse.AuditWriter, e *gatehouse.AuditEvent) error {
	return gatehouse.WriteAudit(ctx, st, e, s.now(), s.rand())
}

func event(t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) *gatehouse.AuditEvent {
	return gatehouse.NewEvent(t, orgID, actor, memberID, c, details)
}
