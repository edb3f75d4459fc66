package secret

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

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
	// Observe, if set, is called with every hash computation: each of Hash,
	// each pass of Verify, Dummy and each piece of Pad. Tests sum the Work of
	// two outcomes to show that they hashed alike.
	Observe func(Op)
}

// Op is one hash computation, as HasherConfig.Observe sees it.
type Op struct {
	// Algorithm is "argon2id" or "bcrypt".
	Algorithm string
	// Work is what the computation costs in its algorithm's unit: for
	// argon2id, KiB of memory times passes over it; for bcrypt, 2^cost rounds
	// of its key schedule. Computations of one algorithm that sum to the same
	// Work did the same work.
	Work int64
	// Dummy is true for work done only so that outcomes cost the same.
	Dummy bool
}

// Algorithms named in Op.
const (
	AlgArgon2id = "argon2id"
	AlgBcrypt   = "bcrypt"
)

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
	observe   func(Op)

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
		observe:   cfg.Observe,
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

// Hash returns the PHC string of the NFKC form of password (NormalizePassword),
// hashed with the current parameters and a fresh salt, marked norm=nfkc. Apart
// from that normalization the password is used exactly as given: no trimming,
// case folding or truncation.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	const op = "secret.Hash"
	salt := make([]byte, h.cur.saltLen)
	h.randMu.Lock()
	_, err := io.ReadFull(h.rand, salt)
	h.randMu.Unlock()
	if err != nil {
		return "", gatehouse.Wrap(op, fmt.Errorf("reading salt: %w", err))
	}
	pw := NormalizePassword(password)
	var key []byte
	err = h.run(ctx, op, h.blocks, h.argonOp(h.cur, false), func(s *argonState) {
		key = h.argon2(s, []byte(pw), salt, h.cur)
	})
	if err != nil {
		return "", err
	}
	return phc{params: h.cur, salt: salt, key: key, nfkc: true}.format(), nil
}

// forms returns the forms of password that Verify checks against a stored
// hash: its NFKC form alone for a hash marked norm=nfkc, or for one from
// before normalization (unmarked argon2id, imported bcrypt) the NFKC form and,
// when it differs, the password exactly as typed, which is what such a hash
// may have been made of.
func forms(password string, nfkc bool) []string {
	n := NormalizePassword(password)
	if nfkc || n == password {
		return []string{n}
	}
	return []string{n, password}
}

// Verify reports whether password matches hash, an argon2id PHC string or an
// imported bcrypt hash ($2a$, $2b$, $2y$), comparing in constant time. A hash
// marked norm=nfkc is compared with the NFKC form of password; an older one
// with that form and with the password exactly as typed (see forms), both
// always, so that the work depends on the password and the hash only. rehash
// is true when the password matched but hash is bcrypt, unmarked or uses other
// argon2id parameters than the current ones, so the caller should store a
// fresh Hash.
//
// bcrypt reads only the first 72 bytes of a password; a longer password
// therefore never matches a bcrypt hash, since accepting it would accept every
// password sharing those 72 bytes.
func (h *Hasher) Verify(ctx context.Context, password, hash string) (ok, rehash bool, err error) {
	const op = "secret.Verify"
	if isBcrypt(hash) {
		return h.verifyBcrypt(ctx, op, forms(password, false), hash)
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
	for _, pw := range forms(password, stored.nfkc) {
		var key []byte
		err = h.run(ctx, op, need, h.argonOp(stored.params, false), func(s *argonState) {
			key = h.argon2(s, []byte(pw), stored.salt, stored.params)
		})
		if err != nil {
			return false, false, err
		}
		if subtle.ConstantTimeCompare(key, stored.key) == 1 {
			ok = true
		}
	}
	return ok, ok && (stored.params != h.cur || !stored.nfkc), nil
}

// argonOp describes an argon2id computation with p for observers.
func (h *Hasher) argonOp(p params, dummy bool) Op {
	return Op{Algorithm: AlgArgon2id, Work: p.work(), Dummy: dummy}
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
func (h *Hasher) run(ctx context.Context, op string, blocks uint32, o Op, f func(*argonState)) error {
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
	if h.observe != nil {
		h.observe(o)
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
