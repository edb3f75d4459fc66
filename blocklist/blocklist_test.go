package blocklist

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
)

// TestMinLengthMatchesPolicy: the list leaves out entries shorter than the
// lowest minimum length the settings allow, since no such password gets as far
// as the list. Lowering that floor means regenerating with a lower minLen.
func TestMinLengthMatchesPolicy(t *testing.T) {
	def, ok := gatehouse.SettingDefByName("password_min_length")
	if !ok {
		t.Fatal("no password_min_length setting")
	}
	if def.Min < minLen {
		t.Errorf("password_min_length may be %d, but the list leaves out entries shorter than %d", def.Min, minLen)
	}
}

func TestCount(t *testing.T) {
	if n := Default().Len(); n < 100_000 {
		t.Errorf("Len = %d, want at least 100,000", n)
	}
}

func TestContains(t *testing.T) {
	tests := map[string]bool{
		"password":    true,
		"Password":    true,
		"PASSWORD":    true,
		"Password1":   true,
		"password1":   true,
		"qwertyuiop":  true,
		"QwErTyUiOp":  true,
		"iloveyou":    true,
		"ILoveYou":    true,
		"  iloveyou ": true, // padding is trimmed
		"123456789":   true,
		"trustno1":    true,
		"sunshine1":   true,
		// Too short to be kept: the length rules refuse them first.
		"letmein": false,
		"abc":     false,
		"":        false,
		// Not common.
		"correct horse battery staple gatehouse": false,
		"Xk9#mQ2$vL7!pR4w":                       false,
		"pass word":                              false,
		strings.Repeat("a", 10_000):              false,
	}
	for pw, want := range tests {
		if got := Contains(pw); got != want {
			t.Errorf("Contains(%q) = %v, want %v", pw, got, want)
		}
	}
}

// TestRandomAbsent: random strong passwords are not on the list.
func TestRandomAbsent(t *testing.T) {
	for range 1000 {
		pw := rand.Text() // 26 base32 characters, 130 bits
		if Contains(pw) {
			t.Errorf("Contains(%q) = true for a random password", pw)
		}
	}
}

// TestEveryEntryFound checks the search against the data itself: every entry,
// and every entry in upper case, is found; the list is sorted, without
// duplicates, lower case and within the lengths kept.
func TestEveryEntryFound(t *testing.T) {
	l := Default()
	entries := strings.Split(strings.TrimSuffix(l.data, "\n"), "\n")
	if len(entries) != l.Len() {
		t.Fatalf("%d entries, Len says %d", len(entries), l.Len())
	}
	if !slices.IsSorted(entries) {
		t.Error("entries are not sorted")
	}
	for i, e := range entries {
		if i > 0 && entries[i-1] == e {
			t.Errorf("duplicate entry %q", e)
		}
		if strings.ToLower(e) != e || strings.TrimSpace(e) != e {
			t.Errorf("entry %q is not normalized", e)
		}
		if !l.Contains(e) || !l.Contains(strings.ToUpper(e)) {
			t.Fatalf("entry %q not found", e)
		}
	}
}

// TestSearchNeighbours: strings just beside entries in byte order are absent,
// which exercises the bisection's boundaries.
func TestSearchNeighbours(t *testing.T) {
	l, err := parse(gzipped("aaaa\nbbbb\ncccc\n"))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{
		"aaaa": true, "bbbb": true, "cccc": true,
		"aaa": false, "aaaaa": false, "aaab": false, "bbb": false, "bbbba": false,
		"cccb": false, "ccccc": false, "dddd": false, "0000": false,
	} {
		if got := l.search(key); got != want {
			t.Errorf("search(%q) = %v, want %v", key, got, want)
		}
	}
	empty, err := parse(gzipped(""))
	if err != nil || empty.Len() != 0 || empty.Contains("password") {
		t.Errorf("empty list: %v, Len %d", err, empty.Len())
	}
	if _, err := parse([]byte("not gzip")); err == nil {
		t.Error("parse of junk succeeded")
	}
	if _, err := parse(gzipped("aaaa\nbbbb")); err == nil {
		t.Error("parse of an unterminated list succeeded")
	}
}

func gzipped(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

func BenchmarkContains(b *testing.B) {
	l := Default()
	pws := []string{"password", "Password1", "qwertyuiop", "iloveyou", "correct horse battery staple", "Xk9#mQ2$vL7!pR4w"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		l.Contains(pws[i%len(pws)])
	}
}

// BenchmarkLoad unpacks the list and reports the heap it keeps.
func BenchmarkLoad(b *testing.B) {
	var before, after runtime.MemStats
	var l *List
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		var err error
		if l, err = parse(compressed); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
	runtime.KeepAlive(l)
}
