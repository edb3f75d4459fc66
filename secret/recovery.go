package secret

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"strings"
)

// recoveryEncoding writes recovery codes in lowercase base32: letters and the
// digits 2 to 7, so that 0/o and 1/l cannot be confused.
var recoveryEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// recoveryBytes is the entropy of a recovery code: 80 bits, 16 characters.
const recoveryBytes = 10

// NewRecoveryCode returns a random recovery code from r (crypto/rand when nil),
// written as four groups of four characters: "k7p2-x9qm-4hvt-r3nd". 80 random
// bits make a stored hash of one useless to an attacker without the code.
func NewRecoveryCode(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [recoveryBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("secret: reading recovery code: %w", err)
	}
	s := recoveryEncoding.EncodeToString(b[:])
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16], nil
}

// NormalizeRecoveryCode returns a typed recovery code in the form that is
// hashed (lowercase, without spaces or dashes) and whether it can be one at all.
func NormalizeRecoveryCode(typed string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(typed) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case r >= 'a' && r <= 'z', r >= '2' && r <= '7':
			b.WriteRune(r)
		default:
			return "", false
		}
		if b.Len() > 16 {
			return "", false
		}
	}
	if b.Len() != 16 {
		return "", false
	}
	return b.String(), true
}
