// Package profile holds a member's own changes to their profile: the display
// name, changed at once, and an email address, changed only once a link sent
// to the new address has been opened. It owns its store interface, Store.
//
// An email change runs in two steps. RequestEmailChange checks the current
// password and stores a pending change under the SHA-256 of a 256-bit token;
// the token goes, in a link on the organization's own address, to the new
// address only. ConfirmEmailChange, from that link, uses the token once and
// makes the change, which is audited and told to the old address and the new
// one. The requester never learns whether another account uses the new
// address: the answer is the same, and it is the new address's owner who is
// told instead of being sent a link.
package profile

import (
	"context"
	"crypto/rand"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/outbox"
)

// EmailChange is a pending change of one of a member's email addresses.
type EmailChange struct {
	Hash      string // SHA-256 of the token in the link (secret.HashToken)
	OrgID     string
	MemberID  string
	Field     string // "email" or "work_email"
	NewEmail  string
	OldEmail  string // the value when it was asked for; the change is refused if it moved since
	InUse     bool   // another member of the organization used NewEmail when it was asked for: no link was sent
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while pending
}

// Store is the storage of the profile use cases. Package sqlstore implements
// it.
type Store interface {
	LockMember(ctx context.Context, orgID, id string) (*gatehouse.Member, error)
	ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error
	MembersByIdentifier(ctx context.Context, orgID, identifier string, limit int) ([]*gatehouse.Member, error)
	RevokeTokens(ctx context.Context, orgID, memberID string, purpose gatehouse.TokenPurpose, now time.Time) (int, error)
	Settings(ctx context.Context, orgID string) (map[string]string, error)
	AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error
	Enqueue(ctx context.Context, m *gatehouse.Message) error

	// CreateEmailChange stores c.
	CreateEmailChange(ctx context.Context, c *EmailChange) error
	// PendingEmailChange returns the member's newest change that is neither
	// used nor expired at now; NotFound when there is none.
	PendingEmailChange(ctx context.Context, orgID, memberID string, now time.Time) (*EmailChange, error)
	// EmailChange returns the change with hash, used or not; NotFound when
	// there is none.
	EmailChange(ctx context.Context, hash string) (*EmailChange, error)
	// UseEmailChange marks the change used if it is unused and unexpired at
	// now, atomically, and returns it; NotFound otherwise, so that of two
	// uses at the same instant one wins.
	UseEmailChange(ctx context.Context, hash string, now time.Time) (*EmailChange, error)
	// CancelEmailChanges marks every pending change of the member used at
	// now and returns how many.
	CancelEmailChanges(ctx context.Context, orgID, memberID string, now time.Time) (int, error)
}

// Reauthenticator checks a signed-in member's current password, with the
// throttling of sign-ins (account.Service does).
type Reauthenticator interface {
	Reauthenticate(ctx context.Context, m *gatehouse.Member, password string, c gatehouse.Client) error
}

// Linker builds absolute links on an organization's own address, never from
// a request's Host header (account.Service does).
type Linker interface {
	LinkIn(ctx context.Context, orgID, path string, query url.Values) string
}

// Service holds the profile use cases. Every field but Now and Rand must be
// set.
type Service struct {
	Store     Store
	Tx        gatehouse.Transactor[Store]
	Counters  gatehouse.Counters
	Outbox    *outbox.Outbox
	Passwords Reauthenticator
	Links     Linker
	Now       func() time.Time
	Rand      io.Reader
}

// EmailChangeTTL is how long the link to confirm a new address works: a day,
// long enough to reach a mailbox checked once a day, short enough that a
// forgotten link does not lie about for long.
const EmailChangeTTL = 24 * time.Hour

// Limits on requests for email changes, per member: each sends an email to
// an address the member chooses.
const (
	emailChangesPerHour = 5
	emailChangeWindow   = time.Hour
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// settings reads the organization's settings through st.
func (s *Service) settings(ctx context.Context, st Store, orgID string) (gatehouse.Settings, error) {
	stored, err := st.Settings(ctx, orgID)
	if err != nil {
		return gatehouse.Settings{}, gatehouse.Wrap("profile.settings", err)
	}
	return gatehouse.LoadSettings(stored), nil
}

// audit writes e through st (the store or a transaction of it).
func (s *Service) audit(ctx context.Context, st Store, e *gatehouse.AuditEvent) error {
	e.ID, e.At = gatehouse.NewID(s.rand()), s.now()
	if err := st.AddAudit(ctx, e); err != nil {
		return gatehouse.Wrap("profile.audit", err)
	}
	return nil
}

// ChangeName sets the member's display name (empty: none, the username is
// shown). Audited as member.updated, with the old and new name.
func (s *Service) ChangeName(ctx context.Context, m *gatehouse.Member, name string, c gatehouse.Client) error {
	const op = "profile.ChangeName"
	name = strings.TrimSpace(name)
	if fe := gatehouse.ValidateDisplayName(name); fe != nil {
		return gatehouse.InvalidFields(op, *fe)
	}
	return s.Tx.Tx(ctx, func(tx Store) error {
		cur, err := s.lockActive(ctx, tx, op, m)
		if err != nil {
			return err
		}
		if cur.DisplayName == name {
			return nil
		}
		if err := tx.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{DisplayName: &name, UpdatedAt: s.now()}); err != nil {
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, tx, gatehouse.NewEvent(gatehouse.EventMemberUpdated, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"name": cur.DisplayName + " → " + name, "via": "self"}))
	})
}

// lockActive locks the member's row in tx and returns it as it is now; a
// member no longer active changes nothing.
func (s *Service) lockActive(ctx context.Context, tx Store, op string, m *gatehouse.Member) (*gatehouse.Member, error) {
	cur, err := tx.LockMember(ctx, m.OrgID, m.ID)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if cur.EffectiveState(s.now()) != gatehouse.StateActive {
		return nil, gatehouse.Errorf(gatehouse.Forbidden, op, "Your account is not active.")
	}
	return cur, nil
}
