// Package account holds a member's password and the steps that several
// features share: setting a password (the one way every route takes), the
// current password asked before a change, issuing an activation link, ending
// a member's links, forgetting trusted browsers, the security notice, the
// sign-in throttle, the support PIN, and links into an organization. The
// features that call these steps (signin, twofactor, recovery, admin, profile,
// passkey) declare them as small interfaces of their own.
package account

import (
	"context"
	"io"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/outbox"
)

// Service carries the dependencies of the use cases. Every field must be set
// except Now and Rand, which have working defaults.
type Service struct {
	Store     Store
	Tx        gatehouse.Transactor[Tx]
	Counters  gatehouse.Counters
	Hasher    gatehouse.PasswordHasher
	Blocklist gatehouse.Blocklist
	// Outbox composes, queues and sends on every email and text.
	Outbox *outbox.Outbox
	// Captcha issues and checks the CAPTCHA of the forgotten-password form.
	Captcha gatehouse.Captcha
	// PublicURL is the only base of every link the service builds; the request's
	// Host header is never used.
	PublicURL *url.URL
	Now       func() time.Time
	Rand      io.Reader
}

// Store is what the passwords and the shared steps read, and the audit
// events written outside a transaction (a refused password).
type Store interface {
	Settings(ctx context.Context, orgID string) (map[string]string, error)
	Organization(ctx context.Context, id string) (*gatehouse.Organization, error)
	PasswordHistory(ctx context.Context, orgID, memberID string, n int) ([]string, error)
	ServerKey(ctx context.Context, name string, size int) ([]byte, error)
	gatehouse.AuditWriter
}

// Tx is what a change of password writes in its transaction: the shared
// steps' StepStore, the member's row and history, its sessions (the ones that
// end, the one that goes on under a new secret, the one a reset signs in
// with) and the link that allowed it.
type Tx interface {
	StepStore
	gatehouse.MemberLocker
	ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error
	AddPasswordHistory(ctx context.Context, orgID, memberID, hash string, at time.Time, keep int) error
	DeleteMemberSessions(ctx context.Context, orgID, memberID, except string) (int, error)
	UseToken(ctx context.Context, hash string, now time.Time) (*gatehouse.Token, error)
	CreateSession(ctx context.Context, s *gatehouse.Session) error
	UpdateSession(ctx context.Context, s *gatehouse.Session) error
	RotateSession(ctx context.Context, s *gatehouse.Session, oldHash string) error
	RecordSignIn(ctx context.Context, orgID, memberID string, at time.Time) error
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

// kick wakes the sender after a transaction that queued messages committed.
func (s *Service) kick() { s.Outbox.Wake() }

// Settings returns the organization's settings.
func (s *Service) Settings(ctx context.Context, orgID string) (gatehouse.Settings, error) {
	stored, err := s.Store.Settings(ctx, orgID)
	if err != nil {
		return gatehouse.Settings{}, gatehouse.Wrap("account.Settings", err)
	}
	return gatehouse.LoadSettings(stored), nil
}

// Link returns an absolute link to path with the query, built from PublicURL.
func (s *Service) Link(path string, query url.Values) string {
	u := *s.PublicURL
	base := u.Path
	if len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	u.Path = base + path
	u.RawQuery = query.Encode()
	u.Fragment = ""
	return u.String()
}

// audit writes an audit event through st (the store or a transaction).
func (s *Service) audit(ctx context.Context, st gatehouse.AuditWriter, e *gatehouse.AuditEvent) error {
	return gatehouse.WriteAudit(ctx, st, e, s.now(), s.rand())
}

// event builds an audit event (gatehouse.NewEvent).
func event(t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) *gatehouse.AuditEvent {
	return gatehouse.NewEvent(t, orgID, actor, memberID, c, details)
}

func storable(s string) string { return gatehouse.Storable(s) }

func truncate(s string, n int) string { return gatehouse.Truncate(s, n) }
