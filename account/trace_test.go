package account_test

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/recovery"
)

// trace records the calls a use case makes on its dependencies, by name, in
// order, so that tests can compare the work two outcomes do.
type trace struct {
	mu     sync.Mutex
	calls  []string
	tokens []string // hashes given to CreateToken
}

func (t *trace) add(name string) {
	t.mu.Lock()
	t.calls = append(t.calls, name)
	t.mu.Unlock()
}

func (t *trace) take() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.Join(t.calls, " ")
	t.calls = nil
	return s
}

// tracedStore passes every call of gatehouse.Store on and records its name.
// Every method the recovery flow could reach is listed, so no such call escapes
// the trace; the two-factor and admin stores, which recovery never touches, are
// passed through untraced.
type tracedStore struct {
	gatehouse.TwoFactorStore
	gatehouse.AuthenticatorStore
	gatehouse.AdminStore
	s gatehouse.Store
	t *trace
}

var _ gatehouse.Store = tracedStore{}

func (x tracedStore) CreateMember(ctx context.Context, m *gatehouse.Member) error {
	x.t.add("CreateMember")
	return x.s.CreateMember(ctx, m)
}
func (x tracedStore) Member(ctx context.Context, orgID, id string) (*gatehouse.Member, error) {
	x.t.add("Member")
	return x.s.Member(ctx, orgID, id)
}
func (x tracedStore) MemberByUsername(ctx context.Context, orgID, username string) (*gatehouse.Member, error) {
	x.t.add("MemberByUsername")
	return x.s.MemberByUsername(ctx, orgID, username)
}
func (x tracedStore) MembersByIdentifier(ctx context.Context, orgID, identifier string, limit int) ([]*gatehouse.Member, error) {
	x.t.add("MembersByIdentifier")
	return x.s.MembersByIdentifier(ctx, orgID, identifier, limit)
}
func (x tracedStore) LockMember(ctx context.Context, orgID, id string) (*gatehouse.Member, error) {
	x.t.add("LockMember")
	return x.s.LockMember(ctx, orgID, id)
}
func (x tracedStore) ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error {
	x.t.add("ChangeMember")
	return x.s.ChangeMember(ctx, orgID, id, c)
}
func (x tracedStore) DeleteMember(ctx context.Context, orgID, id string) error {
	x.t.add("DeleteMember")
	return x.s.DeleteMember(ctx, orgID, id)
}
func (x tracedStore) ListMembers(ctx context.Context, orgID string, f gatehouse.MemberFilter) ([]*gatehouse.Member, string, error) {
	x.t.add("ListMembers")
	return x.s.ListMembers(ctx, orgID, f)
}
func (x tracedStore) CountMembers(ctx context.Context, orgID string, role gatehouse.Role, state gatehouse.State) (int, error) {
	x.t.add("CountMembers")
	return x.s.CountMembers(ctx, orgID, role, state)
}
func (x tracedStore) CountMatching(ctx context.Context, orgID string, f gatehouse.MemberFilter, upTo int) (int, bool, error) {
	x.t.add("CountMatching")
	return x.s.CountMatching(ctx, orgID, f, upTo)
}
func (x tracedStore) RecordSignIn(ctx context.Context, orgID, memberID string, at time.Time) error {
	x.t.add("RecordSignIn")
	return x.s.RecordSignIn(ctx, orgID, memberID, at)
}
func (x tracedStore) LegacyBcryptCost(ctx context.Context, orgID string) (int, error) {
	x.t.add("LegacyBcryptCost")
	return x.s.LegacyBcryptCost(ctx, orgID)
}
func (x tracedStore) AddPasswordHistory(ctx context.Context, orgID, memberID, hash string, at time.Time, keep int) error {
	x.t.add("AddPasswordHistory")
	return x.s.AddPasswordHistory(ctx, orgID, memberID, hash, at, keep)
}
func (x tracedStore) PasswordHistory(ctx context.Context, orgID, memberID string, n int) ([]string, error) {
	x.t.add("PasswordHistory")
	return x.s.PasswordHistory(ctx, orgID, memberID, n)
}
func (x tracedStore) CreateSession(ctx context.Context, s *gatehouse.Session) error {
	x.t.add("CreateSession")
	return x.s.CreateSession(ctx, s)
}
func (x tracedStore) SessionByToken(ctx context.Context, hash string) (*gatehouse.Session, *gatehouse.Member, error) {
	x.t.add("SessionByToken")
	return x.s.SessionByToken(ctx, hash)
}
func (x tracedStore) TouchSession(ctx context.Context, id string, lastSeen, idleExpires time.Time) error {
	x.t.add("TouchSession")
	return x.s.TouchSession(ctx, id, lastSeen, idleExpires)
}
func (x tracedStore) UpdateSession(ctx context.Context, s *gatehouse.Session) error {
	x.t.add("UpdateSession")
	return x.s.UpdateSession(ctx, s)
}
func (x tracedStore) RotateSession(ctx context.Context, s *gatehouse.Session, oldHash string) error {
	x.t.add("RotateSession")
	return x.s.RotateSession(ctx, s, oldHash)
}
func (x tracedStore) DeleteSession(ctx context.Context, orgID, id string) error {
	x.t.add("DeleteSession")
	return x.s.DeleteSession(ctx, orgID, id)
}
func (x tracedStore) MemberSessions(ctx context.Context, orgID, memberID string, now time.Time) ([]*gatehouse.Session, error) {
	x.t.add("MemberSessions")
	return x.s.MemberSessions(ctx, orgID, memberID, now)
}
func (x tracedStore) DeleteMemberSessions(ctx context.Context, orgID, memberID, except string) (int, error) {
	x.t.add("DeleteMemberSessions")
	return x.s.DeleteMemberSessions(ctx, orgID, memberID, except)
}
func (x tracedStore) CreateToken(ctx context.Context, tk *gatehouse.Token) error {
	x.t.add("CreateToken")
	x.t.mu.Lock()
	x.t.tokens = append(x.t.tokens, tk.Hash)
	x.t.mu.Unlock()
	return x.s.CreateToken(ctx, tk)
}
func (x tracedStore) Token(ctx context.Context, hash string) (*gatehouse.Token, error) {
	x.t.add("Token")
	return x.s.Token(ctx, hash)
}
func (x tracedStore) UseToken(ctx context.Context, hash string, now time.Time) (*gatehouse.Token, error) {
	x.t.add("UseToken")
	return x.s.UseToken(ctx, hash, now)
}
func (x tracedStore) RevokeTokens(ctx context.Context, orgID, memberID string, p gatehouse.TokenPurpose, now time.Time) (int, error) {
	x.t.add("RevokeTokens")
	return x.s.RevokeTokens(ctx, orgID, memberID, p, now)
}
func (x tracedStore) Organization(ctx context.Context, id string) (*gatehouse.Organization, error) {
	x.t.add("Organization")
	return x.s.Organization(ctx, id)
}
func (x tracedStore) Settings(ctx context.Context, orgID string) (map[string]string, error) {
	x.t.add("Settings")
	return x.s.Settings(ctx, orgID)
}
func (x tracedStore) SetSettings(ctx context.Context, orgID string, v map[string]string, at time.Time) error {
	x.t.add("SetSettings")
	return x.s.SetSettings(ctx, orgID, v, at)
}
func (x tracedStore) AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error {
	x.t.add("AddAudit")
	return x.s.AddAudit(ctx, e)
}
func (x tracedStore) AuditEvents(ctx context.Context, orgID string, f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, string, error) {
	x.t.add("AuditEvents")
	return x.s.AuditEvents(ctx, orgID, f)
}
func (x tracedStore) SetQueuedSender(ctx context.Context, orgID, from, name string) (int, error) {
	x.t.add("SetQueuedSender")
	return x.s.SetQueuedSender(ctx, orgID, from, name)
}
func (x tracedStore) Enqueue(ctx context.Context, m *gatehouse.Message) error {
	x.t.add("Enqueue:" + m.Kind)
	return x.s.Enqueue(ctx, m)
}
func (x tracedStore) ClaimMessages(ctx context.Context, w string, now time.Time, lease time.Duration, n int) ([]*gatehouse.Message, error) {
	x.t.add("ClaimMessages")
	return x.s.ClaimMessages(ctx, w, now, lease, n)
}
func (x tracedStore) MarkSent(ctx context.Context, id, w string, at time.Time) error {
	x.t.add("MarkSent")
	return x.s.MarkSent(ctx, id, w, at)
}
func (x tracedStore) ReleaseMessages(ctx context.Context, w string, ids []string) error {
	x.t.add("ReleaseMessages")
	return x.s.ReleaseMessages(ctx, w, ids)
}
func (x tracedStore) MarkRetry(ctx context.Context, id, w string, tried bool, e string, at, next time.Time) error {
	x.t.add("MarkRetry")
	return x.s.MarkRetry(ctx, id, w, tried, e, at, next)
}
func (x tracedStore) MarkFailed(ctx context.Context, id, w string, tried bool, e string, at time.Time) error {
	x.t.add("MarkFailed")
	return x.s.MarkFailed(ctx, id, w, tried, e, at)
}
func (x tracedStore) Message(ctx context.Context, orgID, id string) (*gatehouse.Message, error) {
	x.t.add("Message")
	return x.s.Message(ctx, orgID, id)
}
func (x tracedStore) Messages(ctx context.Context, orgID string, f gatehouse.MessageFilter) ([]*gatehouse.Message, string, error) {
	x.t.add("Messages")
	return x.s.Messages(ctx, orgID, f)
}
func (x tracedStore) UseCaptcha(ctx context.Context, id string, expires time.Time) error {
	x.t.add("UseCaptcha")
	return x.s.UseCaptcha(ctx, id, expires)
}
func (x tracedStore) Ping(ctx context.Context) error {
	x.t.add("Ping")
	return x.s.Ping(ctx)
}
func (x tracedStore) ServerKey(ctx context.Context, name string, size int) ([]byte, error) {
	x.t.add("ServerKey")
	return x.s.ServerKey(ctx, name, size)
}
func (x tracedStore) DeleteExpired(ctx context.Context, now time.Time, retention time.Duration) (int, error) {
	x.t.add("DeleteExpired")
	return x.s.DeleteExpired(ctx, now, retention)
}
func (x tracedStore) ClaimJob(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	x.t.add("ClaimJob")
	return x.s.ClaimJob(ctx, name, holder, now, until)
}

// Tx records the transaction's begin and end (whatever its outcome) and traces
// the Store it hands on.
// tracedTransactor runs the recovery flow's transactions on a tracedStore.
type tracedTransactor struct{ st tracedStore }

func (x tracedTransactor) Tx(ctx context.Context, fn func(recovery.Tx) error) error {
	return x.st.Tx(ctx, func(tx gatehouse.Store) error { return fn(tx.(tracedStore)) })
}

func (x tracedTransactor) Within(tx recovery.Tx) gatehouse.Transactor[recovery.Tx] {
	return tracedTransactor{tx.(tracedStore)}
}

func (x tracedStore) Tx(ctx context.Context, fn func(gatehouse.Store) error) error {
	x.t.add("Tx{")
	err := x.s.Tx(ctx, func(tx gatehouse.Store) error {
		return fn(tracedStore{TwoFactorStore: tx, AuthenticatorStore: tx, AdminStore: tx, s: tx, t: x.t})
	})
	x.t.add("}")
	return err
}

// tracedCounters traces the throttling counters.
type tracedCounters struct {
	c gatehouse.Counters
	t *trace
}

func (x tracedCounters) Incr(ctx context.Context, key string, now time.Time, ttl time.Duration, sliding bool) (gatehouse.Counter, error) {
	x.t.add("Incr")
	return x.c.Incr(ctx, key, now, ttl, sliding)
}
func (x tracedCounters) Peek(ctx context.Context, key string, now time.Time) (gatehouse.Counter, error) {
	x.t.add("Peek")
	return x.c.Peek(ctx, key, now)
}
func (x tracedCounters) Reset(ctx context.Context, key string) error {
	x.t.add("ResetCounter")
	return x.c.Reset(ctx, key)
}

// tracedWaker traces the wake-up calls of the outbox.
type tracedWaker struct{ t *trace }

func (x tracedWaker) Kick() { x.t.add("Kick") }

// tracedComposer traces rendering.
type tracedComposer struct {
	c gatehouse.Composer
	t *trace
}

func (x tracedComposer) Email(kind string, d gatehouse.MessageData) (string, string, string, error) {
	x.t.add("Email:" + kind)
	return x.c.Email(kind, d)
}
func (x tracedComposer) SMS(kind string, d gatehouse.MessageData) (string, error) {
	x.t.add("SMS:" + kind)
	return x.c.SMS(kind, d)
}

// tracedHasher traces password hashing, which neither outcome of a reset
// request may do.
type tracedHasher struct {
	h gatehouse.PasswordHasher
	t *trace
}

func (x tracedHasher) Hash(ctx context.Context, pw string) (string, error) {
	x.t.add("Hash")
	return x.h.Hash(ctx, pw)
}
func (x tracedHasher) Verify(ctx context.Context, pw, hash string) (bool, bool, error) {
	x.t.add("Verify")
	return x.h.Verify(ctx, pw, hash)
}
func (x tracedHasher) Dummy(ctx context.Context, pw string) error {
	x.t.add("Dummy")
	return x.h.Dummy(ctx, pw)
}
func (x tracedHasher) Pad(ctx context.Context, pw, hash string, floor int) error {
	x.t.add("Pad")
	return x.h.Pad(ctx, pw, hash, floor)
}
