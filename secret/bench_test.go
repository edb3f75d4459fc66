package secret

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Benchmarks with the default parameters (19 MiB, t=2, p=1). Run them alone on
// a quiet machine, for example:
//
//	go test ./secret/ -run '^$' -bench Argon2Cost -benchtime 100x

// defaultHasher returns a Hasher with the default parameters whose slots have
// allocated their memory, so that benchmarks measure the steady state.
func defaultHasher(b *testing.B) *Hasher {
	h, err := NewHasher(HasherConfig{})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	for range h.Stats().Slots {
		wg.Go(func() { h.Dummy(context.Background(), "warm up") })
	}
	wg.Wait()
	b.ResetTimer()
	return h
}

func BenchmarkHash(b *testing.B) {
	h := defaultHasher(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashParallel(b *testing.B) {
	h := defaultHasher(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	h := defaultHasher(b)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "correct horse battery staple", hash); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkBcryptVerify(b *testing.B) {
	h := defaultHasher(b)
	ctx := context.Background()
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse battery staple"), 10)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "correct horse battery staple", string(hash)); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkNewToken(b *testing.B) {
	for b.Loop() {
		if _, _, err := NewToken(nil); err != nil {
			b.Fatal(err)
		}
	}
}

// xcryptoDerive runs golang.org/x/crypto/argon2 in place of ours, for comparison.
func xcryptoDerive(_ *argonState, password, salt []byte, p params) []byte {
	return argon2.IDKey(password, salt, p.time, p.memory, uint8(p.lanes), p.keyLen)
}

// BenchmarkArgon2Cost compares our argon2id, whose slots reuse their memory,
// with golang.org/x/crypto/argon2, which allocates 19 MiB per hash, both under the
// bounded Hasher, with as many callers as slots (full concurrency) and with 32
// (a sign-in burst: the rest wait in the queue). Besides wall time per hash
// (ns/op, what decides sign-in throughput), it reports the CPU time per hash
// from getrusage (user + system: the hash itself plus garbage collection, page
// faults and zeroing), garbage collections per hash and the peak resident set.
// Run one sub-benchmark per process for a clean peak RSS.
func BenchmarkArgon2Cost(b *testing.B) {
	impls := []struct {
		name   string
		derive func(*argonState, []byte, []byte, params) []byte
	}{{"own", nil}, {"xcrypto", xcryptoDerive}}
	for _, impl := range impls {
		for _, callers := range []int{runtime.GOMAXPROCS(0), 32} {
			b.Run(impl.name+"/callers="+strconv.Itoa(callers), func(b *testing.B) {
				h := defaultHasher(b)
				h.derive = impl.derive
				measureHashes(b, h, callers)
			})
		}
	}
}

func measureHashes(b *testing.B, h *Hasher, callers int) {
	ctx := context.Background()
	debug.FreeOSMemory()
	resetPeakRSS()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gc0 := ms.NumGC
	cpu0 := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()

	var next atomic.Int64
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()

	b.StopTimer()
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/hash")
	b.ReportMetric(float64(ms.NumGC-gc0)/float64(b.N), "gc/hash")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	}
	if st := h.Stats(); st.Rejected > 0 {
		b.Errorf("%d hashes rejected", st.Rejected)
	}
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS resets VmHWM on Linux (clear_refs 5), so that peakRSS measures
// one benchmark rather than the whole process.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns VmHWM in bytes on Linux, or 0.
func peakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkFlood starts 500 sign-ins at once against a default Hasher, 128 of
// which may queue, and reports how many were turned away and the peak resident
// set: the slots bound the memory, not the number of callers.
func BenchmarkFlood(b *testing.B) {
	const callers = 500
	h := defaultHasher(b)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	debug.FreeOSMemory()
	resetPeakRSS()
	for b.Loop() {
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				<-start
				h.Verify(ctx, "correct horse battery staple", hash)
			})
		}
		close(start)
		wg.Wait()
	}
	b.ReportMetric(float64(h.Stats().Rejected)/float64(b.N), "rejected/op")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	}
}
