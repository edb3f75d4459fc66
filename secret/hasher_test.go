package secret

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse-auth/gatehouse"
)

// small are cheap parameters for unit tests: 64 KiB, one pass.
var small = HasherConfig{Memory: 64, Time: 1, Threads: 1}

func newTestHasher(t *testing.T, cfg HasherConfig) *Hasher {
	t.Helper()
	h, err := NewHasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashFormat(t *testing.T) {
	h := newTestHasher(t, HasherConfig{}) // the defaults, once
	got, err := h.Hash(context.Background(), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1,norm=nfkc\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(got) {
		t.Errorf("Hash = %q, want the PHC form %s", got, re)
	}
}

// TestHashMatchesXCrypto pins the salt through Rand and checks the PHC string
// against golang.org/x/crypto/argon2, so hashes stay readable by other tools
// (which must hash the NFKC form, as the norm=nfkc parameter says).
func TestHashMatchesXCrypto(t *testing.T) {
	salt := bytes.Repeat([]byte{7}, 16)
	cfg := small
	cfg.Rand = bytes.NewReader(salt)
	h := newTestHasher(t, cfg)
	got, err := h.Hash(context.Background(), "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	key := argon2.IDKey([]byte("hunter2"), salt, 1, 64, 1, 32)
	want := phc{params: params{memory: 64, time: 1, lanes: 1, saltLen: 16, keyLen: 32}, salt: salt, key: key, nfkc: true}.format()
	if got != want || !strings.Contains(got, ",norm=nfkc$") {
		t.Errorf("Hash = %s\nwant   %s", got, want)
	}
}

// TestVerifyExactlyAsTyped: apart from Unicode normalization (NFKC), the
// password is compared exactly: no trimming, case folding or truncation.
func TestVerifyExactlyAsTyped(t *testing.T) {
	h := newTestHasher(t, small)
	ctx := context.Background()
	const stored = "Pässwörd 1" // ä and ö precomposed (NFC)
	hash, err := h.Hash(ctx, stored)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"same", stored, true},
		{"trailing space", stored + " ", false},
		{"leading space", " " + stored, false},
		{"upper case", strings.ToUpper(stored), false},
		{"lower case", strings.ToLower(stored), false},
		{"decomposed (NFD)", "Pa\u0308sswo\u0308rd 1", true},
		{"upper-case umlaut", "PÄsswörd 1", false},
		{"umlaut removed", "Passwörd 1", false},
		{"empty", "", false},
		{"prefix", stored[:5], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(ctx, tt.password, hash)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.want || rehash {
				t.Errorf("Verify = %v, rehash %v; want %v, false", ok, rehash, tt.want)
			}
		})
	}
}

func TestVerifyRehash(t *testing.T) {
	ctx := context.Background()
	current := newTestHasher(t, small)
	tests := []struct {
		name   string
		stored HasherConfig
		rehash bool
	}{
		{"same parameters", small, false},
		{"less memory", HasherConfig{Memory: 32, Time: 1, Threads: 1}, true},
		{"more memory", HasherConfig{Memory: 128, Time: 1, Threads: 1}, true},
		{"shorter key", HasherConfig{Memory: 64, Time: 1, Threads: 1, KeyLen: 16}, true},
		{"more passes", HasherConfig{Memory: 64, Time: 3, Threads: 1}, true},
		{"more lanes", HasherConfig{Memory: 64, Time: 1, Threads: 2}, true},
		{"shorter salt", HasherConfig{Memory: 64, Time: 1, Threads: 1, SaltLen: 8}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash, err := newTestHasher(t, tt.stored).Hash(ctx, "pw")
			if err != nil {
				t.Fatal(err)
			}
			ok, rehash, err := current.Verify(ctx, "pw", hash)
			if err != nil || !ok || rehash != tt.rehash {
				t.Errorf("Verify = %v, rehash %v, %v; want true, %v, nil", ok, rehash, err, tt.rehash)
			}
			ok, rehash, err = current.Verify(ctx, "wrong", hash)
			if err != nil || ok || rehash {
				t.Errorf("wrong password: Verify = %v, rehash %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

// TestVerifyHeavierThanSlot verifies a hash that needs more memory than a slot
// holds (the configuration was lowered since): it runs alone, in memory of its
// own, and the slots keep their size.
func TestVerifyHeavierThanSlot(t *testing.T) {
	ctx := context.Background()
	cfg := small
	cfg.MemoryBudget = 1 << 20
	h := newTestHasher(t, cfg)
	hash, err := newTestHasher(t, HasherConfig{Memory: 512, Time: 1}).Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Hash(ctx, "warm a slot"); err != nil {
		t.Fatal(err)
	}
	ok, rehash, err := h.Verify(ctx, "pw", hash)
	if err != nil || !ok || !rehash {
		t.Errorf("Verify = %v, rehash %v, %v; want true, true, nil", ok, rehash, err)
	}
	for _, s := range h.lim.idle {
		if len(s.mem) != int(h.blocks) {
			t.Errorf("idle state has %d blocks, want %d", len(s.mem), h.blocks)
		}
	}
	if st := h.Stats(); st.InUse != 0 {
		t.Errorf("InUse = %d after the heavy hash, want 0", st.InUse)
	}
}

func TestVerifyAboveBudget(t *testing.T) {
	cfg := small
	cfg.MemoryBudget = 256 << 10
	h := newTestHasher(t, cfg)
	hash := phc{params: params{memory: 1024, time: 1, lanes: 1}, salt: make([]byte, 16), key: make([]byte, 32)}.format()
	_, _, err := h.Verify(context.Background(), "pw", hash)
	if !gatehouse.IsCode(err, gatehouse.Internal) {
		t.Errorf("Verify of a hash above the budget: err = %v, want Internal", err)
	}
}

func TestVerifyBcrypt(t *testing.T) {
	ctx := context.Background()
	h := newTestHasher(t, small)
	pw72 := strings.Repeat("x", 71) + "y" // exactly bcrypt's 72-byte limit
	hashes := map[string]string{}
	for _, pw := range []string{"imported password", pw72, ""} {
		b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		hashes[pw] = string(b)
	}
	tests := []struct {
		name     string
		password string
		hash     string
		ok       bool
	}{
		{"2a", "imported password", hashes["imported password"], true},
		{"2b", "imported password", "$2b$" + hashes["imported password"][4:], true},
		{"2y", "imported password", "$2y$" + hashes["imported password"][4:], true},
		{"wrong password", "imported passwore", hashes["imported password"], false},
		{"case differs", "Imported password", hashes["imported password"], false},
		{"empty", "", hashes[""], true},
		{"72 bytes", pw72, hashes[pw72], true},
		// bcrypt would ignore the 73rd byte and match; we must not.
		{"73 bytes", pw72 + "z", hashes[pw72], false},
		{"200 bytes", pw72 + strings.Repeat("z", 128), hashes[pw72], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(ctx, tt.password, tt.hash)
			if err != nil {
				t.Fatal(err)
			}
			// A bcrypt hash that matches is always replaced by argon2id.
			if ok != tt.ok || rehash != tt.ok {
				t.Errorf("Verify = %v, rehash %v; want %v, %v", ok, rehash, tt.ok, tt.ok)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	h := newTestHasher(t, small)
	good, err := h.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	goodBcrypt, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	tests := map[string]string{
		"empty":             "",
		"plain text":        "pw",
		"unknown algorithm": "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
		"argon2i":           strings.Replace(good, "argon2id", "argon2i", 1),
		"truncated":         good[:len(good)-10],
		"no key":            good[:strings.LastIndexByte(good, '$')],
		"bad base64":        good[:len(good)-1] + "!",
		"padded base64":     good + "=",
		"version 16":        strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":       strings.Replace(good, "m=64", "m=4294967295", 1),
		"huge time":         strings.Replace(good, "t=1", "t=1000", 1),
		"zero lanes":        strings.Replace(good, "p=1", "p=0", 1),
		"bcrypt truncated":  string(goodBcrypt[:40]),
		"bcrypt cost 31":    "$2a$31$" + string(goodBcrypt[7:]),
		"bcrypt bad cost":   "$2a$xx$" + string(goodBcrypt[7:]),
		"bcrypt too long":   string(goodBcrypt) + "x",
	}
	for name, hash := range tests {
		t.Run(name, func(t *testing.T) {
			ok, rehash, err := h.Verify(context.Background(), "pw", hash)
			if ok || rehash || !errors.Is(err, ErrMalformedHash) || !gatehouse.IsCode(err, gatehouse.Internal) {
				t.Errorf("Verify = %v, %v, %v; want false, false and an Internal error wrapping ErrMalformedHash", ok, rehash, err)
			}
		})
	}
}

func TestDummy(t *testing.T) {
	var calls atomic.Int32
	cfg := small
	cfg.OnHash = func(d time.Duration) {
		calls.Add(1)
		if d <= 0 {
			t.Errorf("OnHash(%v), want a positive duration", d)
		}
	}
	h := newTestHasher(t, cfg)
	if err := h.Dummy(context.Background(), "anything"); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("OnHash called %d times, want 1", calls.Load())
	}
}

func TestNewHasherConfig(t *testing.T) {
	h := newTestHasher(t, HasherConfig{})
	want := params{memory: DefaultMemory, time: DefaultTime, lanes: DefaultThreads, saltLen: DefaultSaltLen, keyLen: DefaultKeyLen}
	if h.cur != want {
		t.Errorf("defaults = %+v, want %+v", h.cur, want)
	}
	// 256 MiB hold 13 hashes of 19 MiB, but more than one per CPU is no faster.
	if want := min(13, runtime.GOMAXPROCS(0)); h.Stats().Slots != want {
		t.Errorf("Slots = %d, want %d", h.Stats().Slots, want)
	}
	tiny := newTestHasher(t, HasherConfig{Memory: 64, Time: 1, MemoryBudget: 1024})
	if tiny.Stats().Slots != 1 {
		t.Errorf("Slots with a budget below one hash = %d, want 1", tiny.Stats().Slots)
	}
	hash, err := tiny.Hash(context.Background(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := tiny.Verify(context.Background(), "pw", hash); !ok || err != nil {
		t.Errorf("Verify with a budget below one hash = %v, %v; want true, nil", ok, err)
	}
	for name, cfg := range map[string]HasherConfig{
		"memory below 8p":    {Memory: 15, Threads: 2},
		"memory above 1 GiB": {Memory: 2 << 20},
		"time above limit":   {Time: 101},
		"short salt":         {SaltLen: 4},
		"short key":          {KeyLen: 2},
		"negative budget":    {MemoryBudget: -1},
	} {
		if _, err := NewHasher(cfg); err == nil {
			t.Errorf("%s: NewHasher succeeded, want an error", name)
		}
	}
}

// blockedHasher returns a hasher with one slot and a queue of one whose first
// hash, started by the returned function, holds the slot until release is
// closed. Run it inside a synctest bubble, so that synctest.Wait tells when
// other callers are parked in the queue, without sleeping.
func blockedHasher(t *testing.T) (h *Hasher, start func() <-chan error, release chan struct{}) {
	cfg := small
	cfg.MemoryBudget = 64 << 10 // one 64 KiB slot
	cfg.QueueLength = 1
	h = newTestHasher(t, cfg)
	entered := make(chan struct{})
	release = make(chan struct{})
	var calls atomic.Int32
	h.work = func() {
		if calls.Add(1) == 1 {
			close(entered)
			<-release
		}
	}
	start = func() <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := h.Hash(context.Background(), "first")
			done <- err
		}()
		<-entered
		return done
	}
	return h, start, release
}

func TestQueueFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, start, release := blockedHasher(t)
		first := start()
		queued := make(chan error, 1)
		go func() {
			_, err := h.Hash(context.Background(), "second")
			queued <- err
		}()
		synctest.Wait() // the second caller is parked in the queue
		if st := h.Stats(); st != (Stats{Slots: 1, InUse: 1, Waiting: 1}) {
			t.Errorf("Stats = %+v, want one in use and one waiting", st)
		}

		_, err := h.Hash(context.Background(), "third")
		var e *gatehouse.Error
		if !errors.As(err, &e) || e.Code != gatehouse.Unavailable || e.RetryAfter != 1 || e.Message != "The server is busy; try again in a moment." {
			t.Fatalf("third caller: err = %#v, want Unavailable with RetryAfter 1", err)
		}
		if got := h.Stats().Rejected; got != 1 {
			t.Errorf("Rejected = %d, want 1", got)
		}

		close(release)
		if err := <-first; err != nil {
			t.Errorf("first caller: %v", err)
		}
		if err := <-queued; err != nil {
			t.Errorf("queued caller: %v", err)
		}
	})
}

func TestCancelWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, start, release := blockedHasher(t)
		first := start()
		ctx, cancel := context.WithCancel(context.Background())
		waiting := make(chan error, 1)
		go func() {
			_, err := h.Hash(ctx, "second")
			waiting <- err
		}()
		synctest.Wait()
		cancel()
		err := <-waiting
		if !errors.Is(err, context.Canceled) || !gatehouse.IsCode(err, gatehouse.Unavailable) {
			t.Errorf("canceled caller: err = %v, want Unavailable wrapping context.Canceled", err)
		}
		if st := h.Stats(); st.Waiting != 0 || st.InUse != 1 {
			t.Errorf("Stats after cancel = %+v, want nobody waiting, one in use", st)
		}
		close(release)
		if err := <-first; err != nil {
			t.Errorf("first caller: %v", err)
		}
		// The slot is free again and the queue usable.
		if _, err := h.Hash(context.Background(), "after"); err != nil {
			t.Errorf("after cancel: %v", err)
		}
		if st := h.Stats(); st.InUse != 0 || st.Rejected != 0 {
			t.Errorf("final Stats = %+v", st)
		}
	})
}

func TestCanceledBeforeCall(t *testing.T) {
	h := newTestHasher(t, small)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with a canceled context: err = %v, want context.Canceled", err)
	}
}

// TestConcurrentHashes runs more callers than slots and checks that every hash
// verifies and that the slot count was never exceeded.
func TestConcurrentHashes(t *testing.T) {
	cfg := small
	cfg.MemoryBudget = 2 * 64 << 10 // two slots
	h := newTestHasher(t, cfg)
	var running, peak atomic.Int32
	h.work = func() {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		runtime.Gosched()
		running.Add(-1)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			pw := strings.Repeat("p", i)
			hash, err := h.Hash(context.Background(), pw)
			if err != nil {
				t.Error(err)
				return
			}
			if ok, _, err := h.Verify(context.Background(), pw, hash); !ok || err != nil {
				t.Errorf("Verify(%q) = %v, %v", pw, ok, err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p > int32(h.Stats().Slots) {
		t.Errorf("%d hashes ran at once, more than the %d slots", p, h.Stats().Slots)
	}
	if len(h.lim.idle) > h.Stats().Slots {
		t.Errorf("%d idle states kept, more than the %d slots", len(h.lim.idle), h.Stats().Slots)
	}
}

// TestAdmit: no more callers are admitted at once than there are slots and
// queue places; the next is turned away with the same Unavailable error a full
// queue gives, and counted; a release (even twice) makes room for one more.
func TestAdmit(t *testing.T) {
	h, err := NewHasher(HasherConfig{Memory: 64, Time: 1, QueueLength: 3})
	if err != nil {
		t.Fatal(err)
	}
	capacity := h.Stats().Slots + 3
	var releases []func()
	for i := range capacity {
		release, err := h.Admit()
		if err != nil {
			t.Fatalf("caller %d of %d: %v", i+1, capacity, err)
		}
		releases = append(releases, release)
	}
	if st := h.Stats(); st.Admitted != capacity {
		t.Errorf("Admitted = %d, want %d", st.Admitted, capacity)
	}
	_, err = h.Admit()
	var e *gatehouse.Error
	if !errors.As(err, &e) || e.Code != gatehouse.Unavailable || e.RetryAfter != 1 || e.Message != busyMessage {
		t.Fatalf("one too many: err = %#v, want Unavailable with RetryAfter 1", err)
	}
	if got := h.Stats().Rejected; got != 1 {
		t.Errorf("Rejected = %d, want 1", got)
	}
	// Admitted callers still hash, and the queue is theirs.
	if _, err := h.Hash(context.Background(), "admitted"); err != nil {
		t.Errorf("Hash by an admitted caller: %v", err)
	}
	releases[0]()
	releases[0]()
	if st := h.Stats(); st.Admitted != capacity-1 {
		t.Errorf("after one release, called twice: Admitted = %d, want %d", st.Admitted, capacity-1)
	}
	if _, err := h.Admit(); err != nil {
		t.Errorf("after a release: %v", err)
	}
	if _, err := h.Admit(); err == nil {
		t.Error("admitted past the capacity again")
	}
}

// TestOnHashCPU: every hash reports its CPU time, more than nothing and not
// more than it took, on Linux where the thread's CPU clock is read.
func TestOnHashCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the thread CPU clock is read on Linux only")
	}
	var cpu []time.Duration
	var wall []time.Duration
	h, err := NewHasher(HasherConfig{Memory: 2048, Time: 1,
		OnHash: func(d time.Duration) { wall = append(wall, d) }, OnHashCPU: func(d time.Duration) { cpu = append(cpu, d) }})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := h.Hash(context.Background(), "correct horse battery staple"); err != nil {
			t.Fatal(err)
		}
	}
	if len(cpu) != 3 || len(wall) != 3 {
		t.Fatalf("%d CPU and %d wall times for 3 hashes", len(cpu), len(wall))
	}
	for i := range cpu {
		if cpu[i] <= 0 || cpu[i] > wall[i]+time.Millisecond {
			t.Errorf("hash %d: CPU %v, wall %v", i, cpu[i], wall[i])
		}
	}
}

// nfc and nfd are one password in Unicode's composed and decomposed forms, and
// compat holds a character that NFKC replaces (the ligature "ﬁ" becomes "fi").
const (
	nfc    = "Crème brûlée à la française"
	nfd    = "Cre\u0300me bru\u0302le\u0301e a\u0300 la franc\u0327aise"
	compat = "ﬁve ﬂying ﬁsh in the ﬁeld"
)

// TestVerifyNormalizes: a password set in one normalization form works in the
// other, and the hash says which form it is of.
func TestVerifyNormalizes(t *testing.T) {
	ctx := context.Background()
	h := newTestHasher(t, small)
	for _, set := range []string{nfc, nfd} {
		hash, err := h.Hash(ctx, set)
		if err != nil {
			t.Fatal(err)
		}
		for _, typed := range []string{nfc, nfd} {
			ok, rehash, err := h.Verify(ctx, typed, hash)
			if !ok || rehash || err != nil {
				t.Errorf("set %+q, typed %+q: Verify = %v, rehash %v, %v; want true, false, nil", set, typed, ok, rehash, err)
			}
		}
	}
	hash, _ := h.Hash(ctx, compat)
	if ok, _, _ := h.Verify(ctx, "five flying fish in the field", hash); !ok {
		t.Error("the NFKC form of a password with ligatures does not match")
	}
}

// TestVerifyHashFromBeforeNormalization: a hash made of the password exactly
// as typed (argon2id without norm=nfkc, or imported bcrypt) still works for
// that password and, when its text was in NFC, for the same text typed in
// NFD; every match asks for a rehash, which is then of the NFKC form.
func TestVerifyHashFromBeforeNormalization(t *testing.T) {
	ctx := context.Background()
	h := newTestHasher(t, small)
	raw := func(pw string) string {
		salt := bytes.Repeat([]byte{9}, 16)
		key := argon2.IDKey([]byte(pw), salt, 1, 64, 1, 32)
		return phc{params: h.cur, salt: salt, key: key}.format()
	}
	bc := func(pw string) string {
		b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name, stored, typed string
		ok                  bool
	}{
		{"nfc, typed nfc", nfc, nfc, true},
		{"nfc, typed nfd", nfc, nfd, true},
		{"nfd, typed nfd", nfd, nfd, true},
		{"nfd, typed nfc", nfd, nfc, false}, // the old hash holds neither form of nfc
		{"ligatures, typed as stored", compat, compat, true},
		{"wrong", nfc, nfc + "!", false},
	}
	for _, tt := range tests {
		for kind, hash := range map[string]string{"argon2id": raw(tt.stored), "bcrypt": bc(tt.stored)} {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				ok, rehash, err := h.Verify(ctx, tt.typed, hash)
				if ok != tt.ok || rehash != tt.ok || err != nil {
					t.Fatalf("Verify = %v, rehash %v, %v; want %v, %v, nil", ok, rehash, err, tt.ok, tt.ok)
				}
				if !ok {
					return
				}
				fresh, err := h.Hash(ctx, tt.typed)
				if err != nil {
					t.Fatal(err)
				}
				if ok, rehash, _ := h.Verify(ctx, tt.typed, fresh); !ok || rehash {
					t.Errorf("the rehashed password: Verify = %v, rehash %v", ok, rehash)
				}
			})
		}
	}
}

// work sums the observed work by algorithm.
type work struct {
	mu  sync.Mutex
	sum map[string]int64
}

func (w *work) observe(o Op) {
	w.mu.Lock()
	w.sum[o.Algorithm] += o.Work
	w.mu.Unlock()
}

func (w *work) take() map[string]int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.sum
	w.sum = map[string]int64{}
	return s
}

// TestPadEqualizesWork: Verify plus Pad does the same hashing, counted by the
// observer, whatever the stored hash: none, current argon2id, argon2id from
// before normalization, imported bcrypt of the highest or a lower cost; for a
// password in NFKC and one that is not.
func TestPadEqualizesWork(t *testing.T) {
	ctx := context.Background()
	w := &work{sum: map[string]int64{}}
	cfg := small
	cfg.Observe = w.observe
	h := newTestHasher(t, cfg)
	const floor = 6
	hashes := map[string]string{"none": "", "malformed": "$argon2id$nonsense"}
	for _, pw := range []string{nfc, nfd} {
		cur, _ := h.Hash(ctx, pw)
		hashes["current "+pw] = cur
		salt := bytes.Repeat([]byte{9}, 16)
		hashes["unmarked "+pw] = phc{params: h.cur, salt: salt, key: argon2.IDKey([]byte(pw), salt, 1, 64, 1, 32)}.format()
		for _, cost := range []int{4, 5, floor} {
			b, _ := bcrypt.GenerateFromPassword([]byte(pw), cost)
			hashes["bcrypt "+string(rune('0'+cost))+" "+pw] = string(b)
		}
	}
	w.take()
	for _, typed := range []string{nfc, nfd, "wrong password"} {
		for _, floor := range []int{0, floor} {
			var want map[string]int64
			for name, hash := range hashes {
				if floor == 0 && strings.HasPrefix(name, "bcrypt") {
					continue // an organization without bcrypt hashes has none
				}
				if hash != "" {
					_, _, _ = h.Verify(ctx, typed, hash)
				}
				if err := h.Pad(ctx, typed, hash, floor); err != nil {
					t.Fatal(err)
				}
				got := w.take()
				if want == nil {
					want = got
					continue
				}
				if len(got) != len(want) || got[AlgArgon2id] != want[AlgArgon2id] || got[AlgBcrypt] != want[AlgBcrypt] {
					t.Errorf("typed %+q, floor %d, stored %s: work %v, want %v", typed, floor, name, got, want)
				}
			}
			if want[AlgArgon2id] == 0 || (floor > 0) != (want[AlgBcrypt] > 0) {
				t.Errorf("typed %+q, floor %d: work %v", typed, floor, want)
			}
		}
	}
}
