package secret

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	raw, hash, err := NewToken(bytes.NewReader(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("A", 43); raw != want {
		t.Errorf("raw = %q, want %q", raw, want)
	}
	sum := sha256.Sum256([]byte(raw))
	if hash != hex.EncodeToString(sum[:]) || HashToken(raw) != hash {
		t.Errorf("hash = %s, want the hex SHA-256 of raw", hash)
	}
	seen := map[string]bool{}
	for range 100 {
		raw, _, err := NewToken(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !ValidToken(raw) || seen[raw] {
			t.Fatalf("NewToken gave %q: invalid or repeated", raw)
		}
		seen[raw] = true
	}
	if _, _, err := NewToken(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Error("NewToken with a short random source succeeded")
	}
}

func TestValidToken(t *testing.T) {
	good, _, _ := NewToken(nil)
	tests := map[string]bool{
		good:                                     true,
		strings.Repeat("A", 43):                  true,
		strings.Repeat("_", 42) + "w":            true,  // w = 48, low bits clear
		strings.Repeat("_", 42) + "x":            false, // x = 49: a stray bit
		strings.Repeat("A", 42):                  false,
		strings.Repeat("A", 44):                  false,
		strings.Repeat("A", 42) + "=":            false,
		strings.Repeat("A", 42) + "+":            false,
		strings.Repeat("A", 41) + "/A":           false,
		strings.Repeat("A", 41) + "éA"[:1] + "A": false,
		"":              false,
		good[:42] + " ": false,
	}
	for s, want := range tests {
		if got := ValidToken(s); got != want {
			t.Errorf("ValidToken(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzValidToken: ValidToken accepts exactly the canonical unpadded base64url
// encodings of 32 bytes, the strings NewToken can return.
func FuzzValidToken(f *testing.F) {
	f.Add(strings.Repeat("A", 43))
	f.Add(strings.Repeat("_", 42) + "x")
	f.Add("not a token")
	f.Fuzz(func(t *testing.T, s string) {
		// The decoder skips CR and LF, which no token contains: hence the length.
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		want := err == nil && len(b) == 32 && len(s) == TokenLen
		if got := ValidToken(s); got != want {
			t.Fatalf("ValidToken(%q) = %v, want %v", s, got, want)
		}
	})
}

func TestNewCode(t *testing.T) {
	// 0 is below every limit: the code is all zeros, leading zeros kept.
	code, err := NewCode(bytes.NewReader(make([]byte, 8)), 6)
	if err != nil || code != "000000" {
		t.Errorf("NewCode(zeros, 6) = %q, %v; want 000000", code, err)
	}
	// A draw at or above the largest multiple of 10^6 below 2^64 is thrown
	// away, not reduced: the second draw (42) gives the code.
	var src bytes.Buffer
	binary.Write(&src, binary.LittleEndian, ^uint64(0))
	binary.Write(&src, binary.LittleEndian, uint64(42))
	if code, err := NewCode(&src, 6); err != nil || code != "000042" {
		t.Errorf("NewCode after a rejected draw = %q, %v; want 000042", code, err)
	}
	for _, digits := range []int{0, -1, 20} {
		if _, err := NewCode(nil, digits); err == nil {
			t.Errorf("NewCode(%d digits) succeeded", digits)
		}
	}
	for _, digits := range []int{1, 6, 8, 19} {
		code, err := NewCode(nil, digits)
		if err != nil || len(code) != digits || strings.Trim(code, "0123456789") != "" {
			t.Errorf("NewCode(%d) = %q, %v", digits, code, err)
		}
	}
}

// TestNewCodeUniform is a coarse check that single digits come out evenly: with
// 20,000 draws each digit's count stays within ±15% of 2,000 unless the code is
// biased (the chance of a false alarm is far below one in a million).
func TestNewCodeUniform(t *testing.T) {
	var counts [10]int
	for range 20000 {
		code, err := NewCode(nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		counts[code[0]-'0']++
	}
	for d, n := range counts {
		if n < 1700 || n > 2300 {
			t.Errorf("digit %d came %d times of 20000", d, n)
		}
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"123456", "123456", true},
		{"123456", "123457", false},
		{"123456", "12345", false},
		{"", "", true},
		{"abc", "ABC", false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestHashTokenOfAnyLength: the hash is the hex SHA-256 of the text for
// tokens, shorter text and text longer than the stack buffer, and a token's
// costs one allocation (the session check hashes its cookie every time).
func TestHashTokenOfAnyLength(t *testing.T) {
	for _, n := range []int{0, 1, TokenLen, 2 * TokenLen, 2*TokenLen + 1, 500} {
		raw := strings.Repeat("a", n)
		sum := sha256.Sum256([]byte(raw))
		if got, want := HashToken(raw), hex.EncodeToString(sum[:]); got != want {
			t.Errorf("HashToken of %d bytes = %s, want %s", n, got, want)
		}
	}
	raw := strings.Repeat("b", TokenLen)
	if n := testing.AllocsPerRun(100, func() { _ = HashToken(raw) }); n > 1 {
		t.Errorf("HashToken allocates %.0f times, want 1", n)
	}
}
