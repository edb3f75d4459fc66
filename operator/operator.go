// Package operator holds the service desk (issue 12): the installation
// vendor's staff, kept apart from every organization's members. Operators have
// their own accounts (activated by a link, always with an authenticator app),
// short sessions, API keys for provisioning, and one use case that reaches into
// an organization: helping a locked-out owner back in after checking their
// support PIN on the telephone (seed 004), by a recovery link emailed to the
// owner's address on record. Every operator action goes to the operator log,
// which has no way to be changed or deleted.
//
// An operator never sets a password, sees a hash or a code, or acts as a member.
package operator

import (
	"context"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// State is where an operator's account stands.
type State string

// Operator states.
const (
	StatePending  State = "pending" // created; waiting for its activation link
	StateActive   State = "active"
	StateDisabled State = "disabled"
)

// Operator is a member of the service desk. PasswordHash and TOTPSecret (the
// authenticator app's secret, sealed) never leave this package and sqlstore.
type Operator struct {
	ID           string
	Username     string
	Email        string
	State        State
	PasswordHash string
	TOTPSecret   string
	TOTPLastStep int64 // the latest time step whose code was accepted
	CreatedAt    time.Time
	ActivatedAt  time.Time
	UpdatedAt    time.Time
}

// Actor returns the actor the operator's actions are recorded as.
func (o *Operator) Actor() gatehouse.Actor {
	return gatehouse.Actor{Kind: gatehouse.ActorOperator, ID: o.ID, Name: o.Username}
}

// Token is an operator's one-time activation link, stored by hash.
type Token struct {
	Hash       string
	OperatorID string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     time.Time
}

// Session is an operator's signed-in session. Only the hash of its cookie's
// secret is stored.
type Session struct {
	ID            string
	TokenHash     string
	OperatorID    string
	CreatedAt     time.Time
	LastSeenAt    time.Time
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
	IP            string
	UserAgent     string
}

// Valid reports whether the session has not ended at now.
func (s *Session) Valid(now time.Time) bool {
	return now.Before(s.IdleExpiresAt) && now.Before(s.ExpiresAt)
}

// Defaults of the installation's operator settings.
const (
	DefaultIdleTimeout     = 15 * time.Minute
	DefaultSessionLifetime = 8 * time.Hour
	ActivationTTL          = 72 * time.Hour
)

// Service carries the dependencies of the service desk's use cases. Every
// field must be set except Now, Rand, IdleTimeout and SessionLifetime.
type Service struct {
	Accounts Store
	// APIKeyStore keeps the operator API keys.
	APIKeyStore APIKeyStore
	Log         LogStore
	Desk        DeskStore
	Counters    gatehouse.Counters
	Keys        ServerKeys // seals authenticator secrets
	Hasher      gatehouse.PasswordHasher
	Blocklist   gatehouse.Blocklist
	Composer    gatehouse.Composer
	// PublicURL is the installation's URL: the console is at /operator on it,
	// and an organization's links take its scheme with the organization's host.
	PublicURL *url.URL
	// IdleTimeout and SessionLifetime bound operator sessions (installation
	// settings; DefaultIdleTimeout and DefaultSessionLifetime when zero).
	IdleTimeout     time.Duration
	SessionLifetime time.Duration
	// MailFrom and MailFromName are the sender of mail to operators (their
	// activation links); "" uses the default organization's sender. Mail
	// about an organization goes with that organization's sender.
	MailFrom     string
	MailFromName string
	Now          func() time.Time
	Rand         io.Reader
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

func (s *Service) idle() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (s *Service) lifetime() time.Duration {
	if s.SessionLifetime > 0 {
		return s.SessionLifetime
	}
	return DefaultSessionLifetime
}

// link returns an absolute link on the public URL.
func (s *Service) link(path string, q url.Values) string {
	u := *s.PublicURL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery, u.Fragment = q.Encode(), ""
	return u.String()
}

// mayAct refuses every actor but the system and operators.
func mayAct(op string, actor gatehouse.Actor) error {
	switch actor.Kind {
	case gatehouse.ActorSystem, gatehouse.ActorOperator:
		return nil
	}
	return gatehouse.Errorf(gatehouse.Forbidden, op, "Only the service desk may do this.")
}

// ServerKeys gives the random keys shared by every replica (package sqlstore).
type ServerKeys interface {
	ServerKey(ctx context.Context, name string, size int) ([]byte, error)
}
