package recovery_test

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
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

// tracedStore passes every call of the stores the recovery flow reaches on
// and records its name: recovery.Store and recovery.Tx, the account.Store of
// the shared steps (the settings, the redaction key) and the CAPTCHA's. It
// declares nothing else, so no call of the flow escapes the trace.
type tracedStore struct {
	s *sqlstore.Store
	t *trace
}

var (
	_ recovery.Store         = tracedStore{}
	_ recovery.Tx            = tracedStore{}
	_ account.Store          = tracedStore{}
	_ gatehouse.CaptchaStore = tracedStore{}
)

func (x tracedStore) CreateMember(ctx context.Context, m *gatehouse.Member) error {
	x.t.add("CreateMember")
	return x.s.CreateMember(ctx, m)
}
func (x tracedStore) Member(ctx context.Context, orgID, id string) (*gatehouse.Member, error) {
	x.t.add("Member")
	return x.s.Member(ctx, orgID, id)
}
func (x tracedStore) MembersByIdentifier(ctx context.Context, orgID, identifier string, limit int) ([]*gatehouse.Member, error) {
	x.t.add("MembersByIdentifier")
	return x.s.MembersByIdentifier(ctx, orgID, identifier, limit)
}
func (x tracedStore) CountMembers(ctx context.Context, orgID string, role gatehouse.Role, state gatehouse.State) (int, error) {
	x.t.add("CountMembers")
	return x.s.CountMembers(ctx, orgID, role, state)
}
func (x tracedStore) PasswordHistory(ctx context.Context, orgID, memberID string, n int) ([]string, error) {
	x.t.add("PasswordHistory")
	return x.s.PasswordHistory(ctx, orgID, memberID, n)
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
func (x tracedStore) AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error {
	x.t.add("AddAudit")
	return x.s.AddAudit(ctx, e)
}
func (x tracedStore) Enqueue(ctx context.Context, m *gatehouse.Message) error {
	x.t.add("Enqueue:" + m.Kind)
	return x.s.Enqueue(ctx, m)
}
func (x tracedStore) UseCaptcha(ctx context.Context, id string, expires time.Time) error {
	x.t.add("UseCaptcha")
	return x.s.UseCaptcha(ctx, id, expires)
}
func (x tracedStore) ServerKey(ctx context.Context, name string, size int) ([]byte, error) {
	x.t.add("ServerKey")
	return x.s.ServerKey(ctx, name, size)
}

// tracedTransactor runs the recovery flow's transactions on a tracedStore,
// and records each one's begin and end (whatever its outcome).
type tracedTransactor struct{ st tracedStore }

func (x tracedTransactor) Tx(ctx context.Context, fn func(recovery.Tx) error) error {
	x.st.t.add("Tx{")
	err := x.st.s.Tx(ctx, func(tx *sqlstore.Store) error { return fn(tracedStore{s: tx, t: x.st.t}) })
	x.st.t.add("}")
	return err
}

func (x tracedTransactor) Within(tx recovery.Tx) gatehouse.Transactor[recovery.Tx] {
	return tracedTransactor{tx.(tracedStore)}
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

func (x tracedStore) DeleteTrustedDevices(ctx context.Context, orgID, memberID string) (int, error) {
	x.t.add("DeleteTrustedDevices")
	return x.s.DeleteTrustedDevices(ctx, orgID, memberID)
}
