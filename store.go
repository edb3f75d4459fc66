package gatehouse

import (
	"context"
	"time"
)

// The interfaces below are the storage contract, grouped by what is stored,
// with each method's meaning. Package sqlstore implements all of them on
// SQLite and PostgreSQL; a use case never takes one whole, but declares the
// few methods it calls as its feature's own store interface. Every method that does not find
// its row returns an error for which IsCode(err, NotFound) is true; a unique
// constraint broken by an insert or update gives Conflict.

// MemberStore keeps members and their password history.
type MemberStore interface {
	CreateMember(ctx context.Context, m *Member) error
	Member(ctx context.Context, orgID, id string) (*Member, error)
	MemberByUsername(ctx context.Context, orgID, username string) (*Member, error)
	// MembersByIdentifier returns every member of the organization whose username,
	// personal email or work email equals the identifier, case-insensitively (S18).
	// At most limit members are returned.
	MembersByIdentifier(ctx context.Context, orgID, identifier string, limit int) ([]*Member, error)
	// LockMember returns the member and, inside a transaction, holds a lock on
	// its row until the transaction ends, so that what a use case decides from
	// the row (state, role, the current password) still holds when it writes.
	// Every transaction that writes a member takes this lock before any other
	// row of the member (see docs/architecture.md for the order of locks).
	LockMember(ctx context.Context, orgID, id string) (*Member, error)
	// ChangeMember writes the fields that c names, and UpdatedAt, to the member;
	// the other columns keep what the database holds. There is no write of a
	// whole row: a row read earlier and written back would undo what another
	// request changed meanwhile.
	ChangeMember(ctx context.Context, orgID, id string, c MemberChange) error
	DeleteMember(ctx context.Context, orgID, id string) error
	// ListMembers returns a page of the members f selects, in f's order, and the
	// cursor of the next page ("" after the last).
	ListMembers(ctx context.Context, orgID string, f MemberFilter) (members []*Member, next string, err error)
	// CountMatching counts the members f selects (its cursor, limit and order
	// aside): the total of a member list. With upTo > 0 it stops past upTo, and
	// then returns upTo and more = true.
	CountMatching(ctx context.Context, orgID string, f MemberFilter, upTo int) (n int, more bool, err error)
	// CountMembers counts the organization's members with the given role and state
	// ("" matches any).
	CountMembers(ctx context.Context, orgID string, role Role, state State) (int, error)
	// RecordSignIn sets the member's LastSignInAt, and nothing else.
	RecordSignIn(ctx context.Context, orgID, memberID string, at time.Time) error
	// LegacyBcryptCost returns the highest cost of the imported bcrypt password
	// hashes the organization's members still have, 0 when there is none: every
	// sign-in does that much bcrypt work, so that its time does not tell those
	// accounts from others (PasswordHasher.Pad).
	LegacyBcryptCost(ctx context.Context, orgID string) (int, error)

	// AddPasswordHistory records a password hash the member has used, and keeps only
	// the newest keep entries.
	AddPasswordHistory(ctx context.Context, orgID, memberID, hash string, at time.Time, keep int) error
	// PasswordHistory returns up to n of the member's previous password hashes, newest first.
	PasswordHistory(ctx context.Context, orgID, memberID string, n int) ([]string, error)
}

// MemberFilter selects members in the admin area and the API.
type MemberFilter struct {
	// Query matches a part of the username, display name, personal or work
	// email, case-insensitively (both sides as NormalizeIdentifier makes them);
	// every character in it is literal.
	Query  string
	Role   Role
	State  State
	Sort   MemberSort // "" is SortUsername
	Desc   bool       // descending instead of ascending
	Cursor string     // from the previous page, of the same Sort and Desc
	Limit  int
}

// MemberSort is an order of the member list. Every order breaks ties by
// username, so that it is total and pages never skip or repeat a member.
type MemberSort string

// The orders of the member list.
const (
	SortUsername        MemberSort = "username"
	SortName            MemberSort = "name"             // the display name; members without one come first
	SortEmail           MemberSort = "email"            // the personal email; members without one come first
	SortRole            MemberSort = "role"             // member, administrator, owner
	SortState           MemberSort = "state"            // never activated, active, expired, disabled (the stored state)
	SortLastSignIn      MemberSort = "last_signin"      // never signed in first
	SortPasswordChanged MemberSort = "password_changed" // never set first
)

// MemberSorts lists every order, the default first.
var MemberSorts = []MemberSort{SortUsername, SortName, SortEmail, SortRole, SortState, SortLastSignIn, SortPasswordChanged}

// Valid reports whether s is one of MemberSorts or "" (the default).
func (s MemberSort) Valid() bool {
	if s == "" {
		return true
	}
	for _, v := range MemberSorts {
		if s == v {
			return true
		}
	}
	return false
}

// SessionStore keeps server-side sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session) error
	// SessionByToken returns the session whose TokenHash is hash, with its member.
	SessionByToken(ctx context.Context, hash string) (*Session, *Member, error)
	// TouchSession records activity: LastSeenAt and IdleExpiresAt.
	TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error
	// UpdateSession writes Stage, AfterReset and the expiry times of s.
	UpdateSession(ctx context.Context, s *Session) error
	// RotateSession gives the session a new secret at a change of privilege: it
	// writes TokenHash, Stage, AfterReset, LastSeenAt and the expiry times of s,
	// but only while the stored hash is still oldHash, so that the old secret
	// stops working at once and of two concurrent rotations exactly one wins.
	// The loser, and a session that has ended, get NotFound.
	RotateSession(ctx context.Context, s *Session, oldHash string) error
	DeleteSession(ctx context.Context, orgID, id string) error
	// MemberSessions lists the member's sessions that are valid at now, newest first.
	MemberSessions(ctx context.Context, orgID, memberID string, now time.Time) ([]*Session, error)
	// DeleteMemberSessions ends every session of the member except the one with id
	// except ("" ends all) and returns how many ended.
	DeleteMemberSessions(ctx context.Context, orgID, memberID, except string) (int, error)
}

// TokenStore keeps one-time tokens, by hash only.
type TokenStore interface {
	CreateToken(ctx context.Context, t *Token) error
	Token(ctx context.Context, hash string) (*Token, error)
	// UseToken marks the token used if it is unused and unexpired at now, atomically:
	// of several concurrent calls for one token, exactly one succeeds. The others,
	// and calls for unknown, used or expired tokens, get NotFound.
	UseToken(ctx context.Context, hash string, now time.Time) (*Token, error)
	// RevokeTokens marks as used every unused token of the member with the purpose
	// (a new reset link supersedes the old ones) and returns how many.
	RevokeTokens(ctx context.Context, orgID, memberID string, purpose TokenPurpose, now time.Time) (int, error)
}

// OrgStore keeps organizations and their settings.
type OrgStore interface {
	Organization(ctx context.Context, id string) (*Organization, error)
	// Settings returns the stored settings of the organization by name; settings
	// never set are absent (see LoadSettings).
	Settings(ctx context.Context, orgID string) (map[string]string, error)
	SetSettings(ctx context.Context, orgID string, values map[string]string, at time.Time) error
}

// AuditStore keeps the audit log.
type AuditStore interface {
	AddAudit(ctx context.Context, e *AuditEvent) error
	// AuditEvents returns matching events, newest first, and a cursor for the next
	// page ("" at the end).
	AuditEvents(ctx context.Context, orgID string, f AuditFilter) ([]*AuditEvent, string, error)
}

// Outbox is the durable queue of outgoing email and SMS.
type Outbox interface {
	Enqueue(ctx context.Context, m *Message) error
	// ClaimMessages leases up to n queued messages due at now to worker until now +
	// lease. Messages whose lease has run out (a worker died) can be claimed again,
	// which counts a lapsed claim, not an attempt. Concurrent claimers, in this or
	// another process, never get the same message.
	ClaimMessages(ctx context.Context, worker string, now time.Time, lease time.Duration, n int) ([]*Message, error)
	// ReleaseMessages gives back claims the worker has not used, uncounted.
	ReleaseMessages(ctx context.Context, worker string, ids []string) error
	// MarkSent records delivery, counts the attempt and erases the bodies.
	MarkSent(ctx context.Context, id, worker string, at time.Time) error
	// MarkRetry records a failure at and schedules the next attempt at next; the
	// failure counts as an attempt when tried (a send was made).
	MarkRetry(ctx context.Context, id, worker string, tried bool, lastErr string, at, next time.Time) error
	// MarkFailed records a final failure and erases the bodies; it counts as an
	// attempt when tried.
	MarkFailed(ctx context.Context, id, worker string, tried bool, lastErr string, at time.Time) error
	Message(ctx context.Context, orgID, id string) (*Message, error)
	Messages(ctx context.Context, orgID string, f MessageFilter) ([]*Message, string, error)
	// SetQueuedSender gives the emails of the organization still queued the
	// sender from and name (the organization changed it) and returns how many.
	SetQueuedSender(ctx context.Context, orgID, from, name string) (int, error)
}

// Counter is a throttling counter: how many events in the current window.
type Counter struct {
	Count int
	First time.Time // first event of the window
	Last  time.Time // latest event
}

// Counters keep throttling counters shared by every replica: in the database, or
// in Redis when one is configured.
type Counters interface {
	// Incr adds one event to the counter at key and returns it. A counter expires
	// ttl after its first event (fixed window) or, when sliding, ttl after its
	// latest one; an expired counter starts again from one.
	Incr(ctx context.Context, key string, now time.Time, ttl time.Duration, sliding bool) (Counter, error)
	// Peek returns the counter at key without changing it (zero when absent or expired).
	Peek(ctx context.Context, key string, now time.Time) (Counter, error)
	Reset(ctx context.Context, key string) error
}

// StepStore is what the use-case steps that several features share (package
// account: issuing an activation link, ending a member's links, forgetting
// trusted browsers, a security notice, queueing an email) write and read
// through: the caller's transaction, or the store itself. A feature's own
// transaction interface embeds it, so it can hand its transaction to them.
type StepStore interface {
	CreateToken(ctx context.Context, t *Token) error
	RevokeTokens(ctx context.Context, orgID, memberID string, purpose TokenPurpose, now time.Time) (int, error)
	DeleteTrustedDevices(ctx context.Context, orgID, memberID string) (int, error)
	Settings(ctx context.Context, orgID string) (map[string]string, error)
	// Organization serves the links the steps build (its hosts).
	Organization(ctx context.Context, id string) (*Organization, error)
	Enqueue(ctx context.Context, m *Message) error
	AuditWriter
}

// Transactor runs fn in one transaction over a feature's store S: every call
// fn makes on the S it is given is part of it; the transaction commits when
// fn returns nil and rolls back otherwise. Inside a transaction it runs fn in
// a savepoint. Each feature package declares its own narrow store S, and
// package sqlstore gives a Transactor for it (sqlstore.Transactor).
type Transactor[S any] interface {
	Tx(ctx context.Context, fn func(S) error) error
	// Within returns the Transactor of the transaction tx (an S that Tx gave
	// to its fn): its Tx runs fn in a savepoint of tx, which a failing fn
	// rolls back alone.
	Within(tx S) Transactor[S]
}
