package secret

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"golang.org/x/crypto/bcrypt"
)

// Imported bcrypt hashes: verified as they are, replaced by argon2id at the
// member's next sign-in.

// dummyBcrypt returns a well-formed bcrypt hash of the cost that no password
// matches, built without hashing anything: its salt and key are all zero bits.
func dummyBcrypt(cost int) []byte {
	return []byte(fmt.Sprintf("$2b$%02d$%s", cost, strings.Repeat(".", 53)))
}

// isBcrypt reports whether hash claims to be bcrypt, in one of the three
// prefixes of the OpenBSD format that x/crypto/bcrypt verifies alike.
func isBcrypt(hash string) bool {
	return strings.HasPrefix(hash, "$2a$") || strings.HasPrefix(hash, "$2b$") || strings.HasPrefix(hash, "$2y$")
}

// verifyBcrypt checks an imported bcrypt hash against each form of the
// password. bcrypt needs 4 KiB, not a slot's memory, but its CPU time is what
// the slots ration, so each computation takes one.
func (h *Hasher) verifyBcrypt(ctx context.Context, op string, passwords []string, hash string) (ok, rehash bool, err error) {
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
	for _, pw := range passwords {
		var cmpErr error
		err = h.run(ctx, op, 0, Op{Algorithm: AlgBcrypt, Work: 1 << cost}, func(*argonState) {
			// CompareHashAndPassword silently ignores bytes past 72. Run it anyway
			// for a too-long password, so the time taken does not tell an attacker
			// which accounts were imported, but never count that as a match.
			cmpErr = bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw))
		})
		if err != nil {
			return false, false, err
		}
		switch {
		case cmpErr == nil:
			ok = ok || len(pw) <= 72
		case errors.Is(cmpErr, bcrypt.ErrMismatchedHashAndPassword):
		default:
			return false, false, &gatehouse.Error{Code: gatehouse.Internal, Op: op, Err: malformed("bcrypt: %v", cmpErr)}
		}
	}
	return ok, ok, nil
}
