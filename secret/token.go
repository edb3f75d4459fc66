package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
)

// TokenLen is the length of a raw token: 32 random bytes in unpadded base64url.
const TokenLen = 43

// NewToken returns a token of 256 random bits from r (crypto/rand if nil): raw
// goes to the member, in a link or a cookie, and hash to the database. The hash
// is a plain SHA-256: a guess at a 256-bit random value is hopeless however fast
// the hash, so a stolen table of token hashes gives nothing, and a fast hash lets
// the store find a token by an indexed lookup.
func NewToken(r io.Reader) (raw, hash string, err error) {
	if r == nil {
		r = rand.Reader
	}
	var b [32]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", "", fmt.Errorf("secret: reading token: %w", err)
	}
	raw = base64.RawURLEncoding.EncodeToString(b[:])
	return raw, HashToken(raw), nil
}

// HashToken returns the lowercase hex SHA-256 of raw, the form stored and
// looked up.
func HashToken(raw string) string {
	// Every session check hashes its cookie: the copy of raw and the hex
	// digits stay on the stack, so the string is the one allocation.
	var in [2 * TokenLen]byte
	var sum [sha256.Size]byte
	if len(raw) <= len(in) {
		sum = sha256.Sum256(append(in[:0], raw...))
	} else {
		sum = sha256.Sum256([]byte(raw))
	}
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// ValidToken reports whether raw could have come from NewToken: 43 characters
// of the base64url alphabet, the last carrying no stray low bits. Check it before
// any lookup so that junk from the wire never reaches the database.
func ValidToken(raw string) bool {
	if len(raw) != TokenLen {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if b64urlValue(raw[i]) < 0 {
			return false
		}
	}
	// 43 characters carry 258 bits; the last 2 must be zero for 256 bits.
	return b64urlValue(raw[TokenLen-1])&3 == 0
}

// b64urlValue returns the 6-bit value of a base64url character, or -1.
func b64urlValue(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}

// NewCode returns a numeric code of digits digits (1 to 19) from r (crypto/rand
// if nil), every value equally likely: draws of 64 bits past the largest
// multiple of 10^digits are thrown away rather than reduced, which would favour
// the low codes. Leading zeros are kept.
func NewCode(r io.Reader, digits int) (string, error) {
	if digits < 1 || digits > 19 {
		return "", fmt.Errorf("secret: %d digits out of range 1..19", digits)
	}
	if r == nil {
		r = rand.Reader
	}
	mod := uint64(1)
	for range digits {
		mod *= 10
	}
	// limit is the largest multiple of mod that fits in 64 bits, as an exclusive
	// bound: 2^64 - (2^64 mod mod).
	limit := -(-mod % mod) // two's complement: (2^64 - mod) % mod == 2^64 % mod
	var b [8]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", fmt.Errorf("secret: reading code: %w", err)
		}
		v := binary.LittleEndian.Uint64(b[:])
		if limit != 0 && v >= limit {
			continue
		}
		s := strconv.FormatUint(v%mod, 10)
		for len(s) < digits {
			s = "0" + s
		}
		return s, nil
	}
}

// Equal reports whether a and b are equal in time that depends only on their
// lengths, for comparing codes and other secrets a timing attack could guess
// byte by byte. The lengths themselves are not secret: codes and tokens have
// fixed ones.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
