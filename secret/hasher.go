package secret

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse-auth/gatehouse"
)

var _ gatehouse.PasswordHasher = (*Hasher)(nil)

// Defaults of HasherConfig: OWASP's argon2id recommendation of 19 MiB, two passes
// and one lane (about 30 ms here), a 16-byte salt and a 32-byte key.
const (
	DefaultMemory       = 19456 // KiB
	DefaultTime         = 2
	DefaultThreads      = 1
	DefaultSaltLen      = 16
	DefaultKeyLen       = 32
	DefaultMemoryBudget = 256 << 20 // bytes
	DefaultQueueLength  = 128
)

// maxBcryptCost bounds the cost of imported bcrypt hashes: 16 takes seconds,
// 31 would take days and hold a slot all along.
const maxBcryptCost = 16

// busyMessage is what a member sees when the hashing queue is full.
const busyMessage = "The server is busy; try again in a moment."

// HasherConfig configures a Hasher. Its zero value gives the defaults above.
type HasherConfig struct {
	Memory  uint32 // argon2id memory in KiB
	Time    uint32 // argon2id passes over the memory
	Threads uint8  // argon2id lanes (computed one after another)
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes

	// MemoryBudget caps, in bytes, the argon2 memory of the hashes that run at
	// once. It and the number of CPUs set how many hashes may run at once.
	MemoryBudget int64
	// QueueLength is how many callers may wait for a slot; beyond that a call
	// fails at once with Unavailable. Negative means no waiting at all.
	QueueLength int
	// Rand is the source of salts; nil means crypto/rand.
	Rand io.Reader
	// OnHash, if set, is called with the duration of every hash or verification
	// (the work only, not the wait for a slot), so metrics can observe it.
	OnHash func(time.Duration)
	// OnHashCPU, if set, is called with the CPU time of every hash or
	// verification (on Linux; elsewhere it is never called). Unlike OnHash's
	// wall time it does not grow when other work takes the CPUs, so the CPU a
	// sign-in costs beyond its hash can be told exactly.
	OnHashCPU func(time.Duration)
}

// Hasher hashes passwords with argon2id and verifies argon2id and bcrypt hashes,
// never more at once than its memory budget and the CPUs allow: more hashes than
// cores buy no throughput, only memory and latency. Callers beyond that wait in
// a bounded queue; beyond the queue they get Unavailable with RetryAfter, which
// the web layer turns into 503 and Retry-After.
//
// Each slot keeps its argon2 memory for the next hash instead of allocating
// 19 MiB per call as golang.org/x/crypto/argon2 does; see the package benchmarks
// for what that saves. A Hasher is safe for concurrent use.
type Hasher struct {
	cur       params
	blocks    uint32 // argon2 blocks of one slot: m' of the current parameters
	budget    int64
	slots     int
	lim       *limiter
	onHash    func(time.Duration)
	onHashCPU func(time.Duration)

	// admitted counts the callers between Admit and release; capacity bounds
	// them (slots plus queue places).
	admitted   atomic.Int64
	capacity   int64
	turnedAway atomic.Uint64

	randMu sync.Mutex // io.Readers in tests are not safe for concurrent use
	rand   io.Reader

	// Test hooks. work, if set, runs in a slot before its hash; derive, if set,
	// replaces our argon2id (benchmarks compare golang.org/x/crypto's).
	work   func()
	derive func(s *argonState, password, salt []byte, p params) []byte
}

// Stats describes the load of a Hasher, for metrics.
type Stats struct {
	Slots    int    // hashes that may run at once
	InUse    int    // slots busy now (a hash heavier than a slot takes all)
	Waiting  int    // callers queued for a slot
	Rejected uint64 // calls turned away with Unavailable since the start
	Admitted int    // callers admitted by Admit and not yet released
}

// NewHasher returns a Hasher for cfg, after filling in defaults and checking the
// argon2id parameters against RFC 9106 and the limits Verify enforces.
func NewHasher(cfg HasherConfig) (*Hasher, error) {
	p := params{
		memory:  orDefault(cfg.Memory, DefaultMemory),
		time:    orDefault(cfg.Time, DefaultTime),
		lanes:   uint32(orDefault(cfg.Threads, DefaultThreads)),
		saltLen: orDefault(cfg.SaltLen, DefaultSaltLen),
		keyLen:  orDefault(cfg.KeyLen, DefaultKeyLen),
	}
	switch {
	case p.memory < 8*p.lanes || p.memory > maxMemory:
		return nil, fmt.Errorf("secret: argon2 memory %d KiB out of range %d..%d", p.memory, 8*p.lanes, maxMemory)
	case p.time > maxTime:
		return nil, fmt.Errorf("secret: argon2 time %d above %d", p.time, maxTime)
	case p.saltLen < minSaltLen || p.saltLen > maxSaltLen:
		return nil, fmt.Errorf("secret: salt length %d out of range %d..%d", p.saltLen, minSaltLen, maxSaltLen)
	case p.keyLen < minKeyLen || p.keyLen > maxKeyLen:
		return nil, fmt.Errorf("secret: key length %d out of range %d..%d", p.keyLen, minKeyLen, maxKeyLen)
	}
	if cfg.MemoryBudget < 0 {
		return nil, fmt.Errorf("secret: negative memory budget %d", cfg.MemoryBudget)
	}
	blocks := argonBlocks(p.memory, p.lanes)
	// A budget below one hash still allows one: the alternative is no sign-ins.
	budget := max(orDefault(cfg.MemoryBudget, DefaultMemoryBudget), int64(blocks)*1024)
	queue := cfg.QueueLength
	if queue == 0 {
		queue = DefaultQueueLength
	} else if queue < 0 {
		queue = 0
	}
	slots := int(min(budget/(int64(blocks)*1024), int64(runtime.GOMAXPROCS(0))))
	slots = max(1, slots)
	h := &Hasher{
		cur:       p,
		blocks:    blocks,
		budget:    budget,
		slots:     slots,
		lim:       newLimiter(slots, queue),
		capacity:  int64(slots + queue),
		onHash:    cfg.OnHash,
		onHashCPU: cfg.OnHashCPU,
		rand:      cfg.Rand,
	}
	if h.rand == nil {
		h.rand = rand.Reader
	}
	return h, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Hash returns the PHC string of password, hashed with the current parameters
// and a fresh salt. The password is used exactly as given: no trimming, case
// folding or Unicode normalization, which would merge passwords the member
// considers different (normalizing is the caller's decision, made once).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	const op = "secret.Hash"
	salt := make([]byte, h.cur.saltLen)
	h.randMu.Lock()
	_, err := io.ReadFull(h.rand, salt)
	h.randMu.Unlock()
	if err != nil {
		return "", gatehouse.Wrap(op, fmt.Errorf("reading salt: %w", err))
	}
	var key []byte
	err = h.run(ctx, op, h.blocks, func(s *argonState) {
		key = h.argon2(s, []byte(password), salt, h.cur)
	})
	if err != nil {
		return "", err
	}
	return phc{params: h.cur, salt: salt, key: key}.format(), nil
}

// Verify reports whether password matches hash, an argon2id PHC string or an
// imported bcrypt hash ($2a$, $2b$, $2y$), comparing in constant time. rehash is
// true when the password matched but hash is bcrypt or uses other argon2id
// parameters than the current ones, so the caller should store a fresh Hash.
//
// bcrypt reads only the first 72 bytes of a password; a longer password
// therefore never matches a bcrypt hash, since accepting it would accept every
// password sharing those 72 bytes.
func (h *Hasher) Verify(ctx context.Context, password, hash string) (ok, rehash bool, err error) {
	const op = "secret.Verify"
	if isBcrypt(hash) {
		return h.verifyBcrypt(ctx, op, password, hash)
	}
	stored, err := parsePHC(hash)
	if err != nil {
		return false, false, &gatehouse.Error{Code: gatehouse.Internal, Op: op, Err: err}
	}
	need := argonBlocks(stored.memory, stored.lanes)
	if int64(need)*1024 > h.budget {
		return false, false, &gatehouse.Error{Code: gatehouse.Internal, Op: op,
			Err: fmt.Errorf("stored hash needs %d KiB, above the memory budget of %d bytes", need, h.budget)}
	}
	var key []byte
	err = h.run(ctx, op, need, func(s *argonState) {
		key = h.argon2(s, []byte(password), stored.salt, stored.params)
	})
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(key, stored.key) == 1
	return ok, ok && stored.params != h.cur, nil
}

// dummySalt and dummyKey stand for a stored hash that nothing matches: argon2
// takes the same time whatever the salt's bytes are.
var (
	dummySalt = make([]byte, maxSaltLen)
	dummyKey  = make([]byte, maxKeyLen)
)

// Dummy does the work of verifying password against a hash with the current
// parameters, so that signing in to an account that does not exist costs the
// same time as signing in to one that does.
func (h *Hasher) Dummy(ctx context.Context, password string) error {
	return h.run(ctx, "secret.Dummy", h.blocks, func(s *argonState) {
		key := h.argon2(s, []byte(password), dummySalt[:h.cur.saltLen], h.cur)
		subtle.ConstantTimeCompare(key, dummyKey[:len(key)])
	})
}

// Stats returns the current load.
func (h *Hasher) Stats() Stats {
	inUse, waiting, rejected := h.lim.stats()
	return Stats{Slots: h.slots, InUse: inUse, Waiting: waiting, Rejected: rejected + h.turnedAway.Load(),
		Admitted: int(h.admitted.Load())}
}

// Admit reserves room for a caller that has other work to do before it
// hashes: a sign-in reads the member, its throttling counters and the
// settings first. At most as many callers as there are slots and queue places
// are admitted at once, so when hashing is saturated the others are turned
// away before they do any of that work, with the Unavailable error Hash would
// give. Without it a flood of sign-ins would queue for the database, not for
// the hasher, and starve every other request that needs it. Call release
// once when done; a hash may run without Admit, as before.
func (h *Hasher) Admit() (release func(), err error) {
	if h.admitted.Add(1) > h.capacity {
		h.admitted.Add(-1)
		h.turnedAway.Add(1)
		return nil, &gatehouse.Error{Code: gatehouse.Unavailable, Op: "secret.Admit", Message: busyMessage, RetryAfter: 1}
	}
	var once sync.Once
	return func() { once.Do(func() { h.admitted.Add(-1) }) }, nil
}

// run waits for a slot and runs f in it with the slot's argon2 state, sized for
// blocks argon2 blocks (0: f needs no state). A hash that needs more than a
// slot's blocks takes every slot and memory of its own, and drops the idle
// states so that the budget holds while it runs.
func (h *Hasher) run(ctx context.Context, op string, blocks uint32, f func(*argonState)) error {
	heavy := blocks > h.blocks
	units := 1
	if heavy {
		units = h.slots
	}
	if err := h.lim.acquire(ctx, units); err != nil {
		e := &gatehouse.Error{Code: gatehouse.Unavailable, Op: op, Message: busyMessage, RetryAfter: 1}
		if errors.Is(err, errCanceled) {
			e.Err = ctx.Err()
		}
		return e
	}
	defer h.lim.release(units)
	var s *argonState
	switch {
	case heavy:
		h.lim.dropStates()
		s = new(argonState)
	case blocks > 0:
		s = h.lim.state(h.blocks)
		defer h.lim.putState(s)
	}
	if h.work != nil {
		h.work()
	}
	start := time.Now()
	if h.onHashCPU != nil {
		// Locked, so that the thread's CPU time is this hash's alone.
		runtime.LockOSThread()
		c0 := threadCPU()
		f(s)
		c1 := threadCPU()
		runtime.UnlockOSThread()
		if c0 >= 0 && c1 >= c0 {
			h.onHashCPU(time.Duration(c1 - c0))
		}
	} else {
		f(s)
	}
	if h.onHash != nil {
		h.onHash(time.Since(start))
	}
	return nil
}

// argon2 derives the key of password and salt with p in state s.
func (h *Hasher) argon2(s *argonState, password, salt []byte, p params) []byte {
	if h.derive != nil {
		return h.derive(s, password, salt, p)
	}
	return s.key(password, salt, nil, nil, p.time, p.memory, p.lanes, p.keyLen)
}

// isBcrypt reports whether hash claims to be bcrypt, in one of the three
// prefixes of the OpenBSD format that x/crypto/bcrypt verifies alike.
func isBcrypt(hash string) bool {
	return strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$") || strings.HasPrefix(hash, "$2y$")
}

// verifyBcrypt checks an imported bcrypt hash. bcrypt needs 4 KiB, not a slot's
// memory, but its CPU time is what the slots ration, so it takes one.
func (h *Hasher) verifyBcrypt(ctx context.Context, op, password, hash string) (ok, rehash bool, err error) {
	if len(hash) != 60 {
		return false, false, &gatehouse.Error{Code: gatehouse.Internal, Op: op, Err: malformed("bcrypt: length %d, want 60", len(hash))}
	}
	cost, err := bcrypt.Cost([]byte(hash))
	if err != nil {
		return false, false, &gatehouse.Error{Code: gatehouse.Internal, Op: op, Err: malformed("bcrypt: %v", err)}
	}
	if cost > maxBcryptCost {
		return false, false, &gatehouse.Error{Code: gatehouse.Internal, Op: op, Err: malformed("bcrypt cost %d above %d", cost, maxBcryptCost)}
	}
	var cmpErr error
	err = h.run(ctx, op, 0, func(*argonState) {
		// CompareHashAndPassword silently ignores bytes past 72. Run it anyway for
		// a too-long password, so the time taken does not tell an attacker which
		// accounts were imported, but never count that as a match.
		cmpErr = bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	})
	if err != nil {
		return false, false, err
	}
	switch {
	case cmpErr == nil:
		return len(password) <= 72, len(password) <= 72, nil
	case errors.Is(cmpErr, bcrypt.ErrMismatchedHashAndPassword):
		return false, false, nil
	default:
		return false, false, &gatehouse.Error{Code: gatehouse.Internal, Op: op, Err: malformed("bcrypt: %v", cmpErr)}
	}
}
