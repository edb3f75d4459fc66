package secret

import (
	"context"
	"crypto/subtle"

	"golang.org/x/crypto/bcrypt"
)

// The hashing a sign-in owes when it verified less than the sign-in of another
// account would have: unknown names, accounts without a password, older and
// imported hashes all cost the same time (no enumeration by timing).

// dummySalt and dummyKey stand for a stored hash that nothing matches: argon2
// takes the same time whatever the salt's bytes are.
var (
	dummySalt = make([]byte, maxSaltLen)
	dummyKey  = make([]byte, maxKeyLen)
)

// Dummy does the work of verifying password against a hash with the current
// parameters, so that signing in to an account that does not exist costs the
// same time as signing in to one that does. Sign-in uses Pad, which also
// covers older and imported hashes.
func (h *Hasher) Dummy(ctx context.Context, password string) error {
	return h.dummyArgon(ctx, "secret.Dummy", NormalizePassword(password))
}

func (h *Hasher) dummyArgon(ctx context.Context, op, password string) error {
	return h.run(ctx, op, h.blocks, h.argonOp(h.cur, true), func(s *argonState) {
		key := h.argon2(s, []byte(password), dummySalt[:h.cur.saltLen], h.cur)
		subtle.ConstantTimeCompare(key, dummyKey[:len(key)])
	})
}

// Pad does the hashing that a sign-in still owes after Verify(password, hash),
// or after no verification at all when hash is "" (an unknown name, an account
// without a password, a hash that cannot be read), so that every sign-in of an
// organization hashes the same whichever account, if any, it named:
//
//   - argon2id with the current parameters, as many times as Verify checks a
//     hash from before normalization: once, or twice when password is not in
//     NFKC (see forms);
//   - while the organization still stores imported bcrypt hashes (bcryptFloor
//     is their highest cost, 0 when there is none), bcrypt of that cost as
//     many times again. A bcrypt account of a lower cost makes up the
//     difference with more computations of its own cost, so that the sum of
//     the work is the same.
//
// Argon2id hashes with other parameters than the current ones (made before the
// configuration changed) are counted by their work and padded to at least the
// target, which may overshoot by less than one computation until they are
// rehashed at their member's next sign-in.
func (h *Hasher) Pad(ctx context.Context, password, hash string, bcryptFloor int) error {
	const op = "secret.Pad"
	n := NormalizePassword(password)
	times := int64(1)
	if n != password {
		times = 2
	}
	argonDone, bcryptDone, piece := h.planned(password, hash)
	for want := times * h.cur.work(); argonDone < want; argonDone += h.cur.work() {
		if err := h.dummyArgon(ctx, op, n); err != nil {
			return err
		}
	}
	floor := min(bcryptFloor, maxBcryptCost)
	if floor < bcrypt.MinCost {
		return nil
	}
	if piece == 0 || piece > floor {
		piece = floor
	}
	want := times << floor
	pw := []byte(n)
	if len(pw) > 72 {
		pw = pw[:72] // bcrypt reads no further; the work is the same
	}
	dummy := dummyBcrypt(piece)
	for ; bcryptDone+1<<piece <= want; bcryptDone += 1 << piece {
		err := h.run(ctx, op, 0, Op{Algorithm: AlgBcrypt, Work: 1 << piece, Dummy: true}, func(*argonState) {
			_ = bcrypt.CompareHashAndPassword(dummy, pw)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// planned returns the work Verify(password, hash) does by algorithm, and the
// cost of hash when it is bcrypt (0 otherwise). A hash Verify refuses before
// computing anything counts as no work.
func (h *Hasher) planned(password, hash string) (argonWork, bcryptWork int64, bcryptCost int) {
	if isBcrypt(hash) {
		if len(hash) != 60 {
			return 0, 0, 0
		}
		cost, err := bcrypt.Cost([]byte(hash))
		if err != nil || cost > maxBcryptCost {
			return 0, 0, 0
		}
		return 0, int64(len(forms(password, false))) << cost, cost
	}
	stored, err := parsePHC(hash)
	if err != nil || int64(argonBlocks(stored.memory, stored.lanes))*1024 > h.budget {
		return 0, 0, 0
	}
	return int64(len(forms(password, stored.nfkc))) * stored.work(), 0, 0
}
