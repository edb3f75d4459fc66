package secret

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMalformedHash is wrapped by the error Verify returns for a stored hash it
// cannot read: not a PHC argon2id or bcrypt string, or one with parameters out of
// the ranges below. Such a row is corrupt or forged; it never matches.
var ErrMalformedHash = errors.New("malformed password hash")

// Limits on the parameters of stored hashes. A row written by someone with
// database access must not make a sign-in allocate gigabytes or spin for hours;
// the limits are far above anything a sane configuration uses.
const (
	maxMemory   = 1 << 20 // KiB: 1 GiB
	maxTime     = 100
	maxLanes    = 255
	minSaltLen  = 8 // RFC 9106 §3.1
	maxSaltLen  = 1024
	minKeyLen   = 4 // RFC 9106 §3.1
	maxKeyLen   = 1024
	maxHashLen  = 4096 // longer than any string within the limits above
	argonPrefix = "$argon2id$"
)

// b64 is the PHC string format's base64: standard alphabet, no padding. Strict
// refuses non-zero trailing bits, so each key has exactly one encoding and
// format(parse(s)) == s.
var b64 = base64.RawStdEncoding.Strict()

// params are the Argon2id cost parameters and sizes.
type params struct {
	memory  uint32 // KiB
	time    uint32
	lanes   uint32
	saltLen uint32
	keyLen  uint32
}

// normParam marks a hash of the NFKC form of the password (NormalizePassword).
// Hashes without it were made of the password exactly as typed, before
// Gatehouse normalized passwords; Verify accepts either form for them.
const normParam = "norm=nfkc"

// work is what one argon2id computation with p costs: KiB times passes.
func (p params) work() int64 { return int64(p.memory) * int64(p.time) }

// phc is a parsed argon2id PHC string.
type phc struct {
	params
	salt, key []byte
	// nfkc is true when the key is of the NFKC form of the password.
	nfkc bool
}

// parsePHC reads $argon2id$v=19$m=M,t=T,p=P[,norm=nfkc]$SALT$KEY, strictly:
// version 19 only, the parameters in that order in canonical decimal, no other
// parameters, canonical unpadded base64. Anything else is an error wrapping
// ErrMalformedHash.
func parsePHC(s string) (phc, error) {
	var h phc
	if len(s) > maxHashLen {
		return h, malformed("too long")
	}
	rest, ok := strings.CutPrefix(s, argonPrefix)
	if !ok {
		return h, malformed("not argon2id")
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 4 {
		return h, malformed("want 4 fields after the algorithm, have %d", len(parts))
	}
	if parts[0] != "v=19" {
		return h, malformed("unsupported version")
	}
	fields := strings.Split(parts[1], ",")
	if len(fields) == 4 && fields[3] == normParam {
		h.nfkc, fields = true, fields[:3]
	}
	if len(fields) != 3 {
		return h, malformed("want parameters m, t and p")
	}
	var vals [3]uint32
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return h, malformed("want parameters m, t and p in that order")
		}
		n, err := decimal(v)
		if err != nil {
			return h, malformed("parameter %s%v", name, err)
		}
		vals[i] = n
	}
	h.memory, h.time, h.lanes = vals[0], vals[1], vals[2]
	switch {
	case h.lanes < 1 || h.lanes > maxLanes:
		return h, malformed("parallelism %d out of range", h.lanes)
	case h.time < 1 || h.time > maxTime:
		return h, malformed("time %d out of range", h.time)
	case h.memory < 8*h.lanes || h.memory > maxMemory:
		return h, malformed("memory %d KiB out of range", h.memory)
	}
	var err error
	if h.salt, err = decodeB64(parts[2], minSaltLen, maxSaltLen); err != nil {
		return h, malformed("salt: %v", err)
	}
	if h.key, err = decodeB64(parts[3], minKeyLen, maxKeyLen); err != nil {
		return h, malformed("key: %v", err)
	}
	h.saltLen, h.keyLen = uint32(len(h.salt)), uint32(len(h.key))
	return h, nil
}

// format writes h as a PHC string; parsePHC reads it back.
func (h phc) format() string {
	norm := ""
	if h.nfkc {
		norm = "," + normParam
	}
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d%s$%s$%s", argonPrefix, argonVersion,
		h.memory, h.time, h.lanes, norm, b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

// decimal parses a canonical unsigned decimal: digits only, no leading zero.
func decimal(s string) (uint32, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not a canonical number")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a canonical number")
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, errors.New("number too large")
	}
	return uint32(n), nil
}

// decodeB64 decodes s, checking the decoded length before it allocates. It
// refuses characters outside the alphabet itself, because encoding/base64
// skips CR and LF even in strict mode.
func decodeB64(s string, minLen, maxLen int) ([]byte, error) {
	if n := b64.DecodedLen(len(s)); n < minLen || n > maxLen {
		return nil, fmt.Errorf("length %d out of range", n)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, errors.New("invalid base64")
		}
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, errors.New("invalid base64")
	}
	if len(b) < minLen {
		return nil, fmt.Errorf("length %d out of range", len(b))
	}
	return b, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformedHash, fmt.Sprintf(format, args...))
}
