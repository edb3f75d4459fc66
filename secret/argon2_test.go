package secret

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/argon2"
)

// TestArgon2RFC9106 checks the Argon2id test vector of RFC 9106 §5.3, the only
// one that exercises the secret K and the associated data X.
func TestArgon2RFC9106(t *testing.T) {
	password := bytes.Repeat([]byte{0x01}, 32)
	salt := bytes.Repeat([]byte{0x02}, 16)
	secret := bytes.Repeat([]byte{0x03}, 8)
	data := bytes.Repeat([]byte{0x04}, 12)
	want := "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659"

	var s argonState
	got := hex.EncodeToString(s.key(password, salt, secret, data, 3, 32, 4, 32))
	if got != want {
		t.Errorf("tag = %s, want %s", got, want)
	}
}

// TestArgon2MatchesXCrypto compares our Argon2id with golang.org/x/crypto/argon2
// over parameters chosen to reach the edge cases: memory that is not a multiple
// of 4p (rounded down), several lanes, one pass and many, more than 128 blocks per
// segment (a second address block), tags shorter and longer than 64 bytes (both
// branches of H'), empty and long passwords.
func TestArgon2MatchesXCrypto(t *testing.T) {
	type params struct {
		time, memory uint32
		lanes        uint8
		keyLen       uint32
		pwLen        int
		saltLen      int
	}
	cases := []params{
		{1, 8, 1, 32, 8, 16},
		{1, 9, 1, 32, 8, 16},    // m' rounds down to 8
		{2, 64, 1, 32, 0, 16},   // empty password
		{3, 37, 2, 16, 5, 8},    // two lanes, odd memory
		{1, 32, 4, 4, 12, 8},    // smallest tag and memory (8p)
		{2, 600, 1, 64, 20, 16}, // 150 blocks per segment: two address blocks
		{1, 1024, 3, 65, 100, 32},
		{4, 256, 8, 100, 1000, 16}, // H' chain of several digests
		{2, 128, 1, 1024, 64, 64},
		{1, 2048, 1, 32, 8, 16},
		{2, 19456 / 16, 1, 32, 16, 16},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		lanes := uint8(1 + r.IntN(6))
		cases = append(cases, params{
			time:    uint32(1 + r.IntN(4)),
			memory:  uint32(8*int(lanes) + r.IntN(500)),
			lanes:   lanes,
			keyLen:  uint32(4 + r.IntN(200)),
			pwLen:   r.IntN(80),
			saltLen: 8 + r.IntN(40),
		})
	}
	var s argonState // one state for all: reuse must not change results
	for _, c := range cases {
		t.Run(fmt.Sprintf("t=%d,m=%d,p=%d,T=%d,pw=%d,salt=%d", c.time, c.memory, c.lanes, c.keyLen, c.pwLen, c.saltLen), func(t *testing.T) {
			pw := make([]byte, c.pwLen)
			salt := make([]byte, c.saltLen)
			for i := range pw {
				pw[i] = byte(r.Uint32())
			}
			for i := range salt {
				salt[i] = byte(r.Uint32())
			}
			want := argon2.IDKey(pw, salt, c.time, c.memory, c.lanes, c.keyLen)
			got := s.key(pw, salt, nil, nil, c.time, c.memory, uint32(c.lanes), c.keyLen)
			if !bytes.Equal(got, want) {
				t.Errorf("key = %x\nwant %x", got, want)
			}
		})
	}
}

// TestArgon2StateReuse runs a large hash and then a smaller one in the same state,
// the way a slot verifies an old hash with weaker parameters: the leftovers in the
// larger memory must not change the smaller result.
func TestArgon2StateReuse(t *testing.T) {
	var s argonState
	s.key([]byte("first"), []byte("saltsalt"), nil, nil, 2, 512, 1, 32)
	got := s.key([]byte("second"), []byte("saltsalt"), nil, nil, 1, 64, 2, 32)
	want := argon2.IDKey([]byte("second"), []byte("saltsalt"), 1, 64, 2, 32)
	if !bytes.Equal(got, want) {
		t.Errorf("key after reuse = %x, want %x", got, want)
	}
	if len(s.mem) != 512 {
		t.Errorf("state shrank or grew: %d blocks, want 512", len(s.mem))
	}
}

// gb is BlaMka's GB (RFC 9106 §3.6) as the RFC writes it, the reference for the
// written-out rounds of rowRound and colRound.
func gb(a, b, c, d uint64) (uint64, uint64, uint64, uint64) {
	fBlaMka := func(x, y uint64) uint64 { return x + y + 2*uint64(uint32(x))*uint64(uint32(y)) }
	rotr := func(x uint64, n int) uint64 { return x>>n | x<<(64-n) }
	a = fBlaMka(a, b)
	d = rotr(d^a, 32)
	c = fBlaMka(c, d)
	b = rotr(b^c, 24)
	a = fBlaMka(a, b)
	d = rotr(d^a, 16)
	c = fBlaMka(c, d)
	b = rotr(b^c, 63)
	return a, b, c, d
}

// permuteRef is P on 16 words given by their indexes into q.
func permuteRef(q *block, idx [16]int) {
	var v [16]uint64
	for i, k := range idx {
		v[i] = q[k]
	}
	for _, r := range [8][4]int{
		{0, 4, 8, 12}, {1, 5, 9, 13}, {2, 6, 10, 14}, {3, 7, 11, 15},
		{0, 5, 10, 15}, {1, 6, 11, 12}, {2, 7, 8, 13}, {3, 4, 9, 14},
	} {
		v[r[0]], v[r[1]], v[r[2]], v[r[3]] = gb(v[r[0]], v[r[1]], v[r[2]], v[r[3]])
	}
	for i, k := range idx {
		q[k] = v[i]
	}
}

// compressRef is G as RFC 9106 §3.5 describes it: R = X⊕Y, P on the rows of
// registers, P on the columns, Z⊕R.
func compressRef(out, x, y *block, xor bool) {
	var r, q block
	for i := range r {
		r[i] = x[i] ^ y[i]
	}
	q = r
	for row := range 8 {
		var idx [16]int
		for k := range idx {
			idx[k] = 16*row + k
		}
		permuteRef(&q, idx)
	}
	for col := range 8 {
		var idx [16]int
		for reg := range 8 {
			idx[2*reg] = 2*col + 16*reg
			idx[2*reg+1] = 2*col + 16*reg + 1
		}
		permuteRef(&q, idx)
	}
	for i := range out {
		if xor {
			out[i] ^= q[i] ^ r[i]
		} else {
			out[i] = q[i] ^ r[i]
		}
	}
}

func TestCompressMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 50 {
		var x, y, out, want, q block
		for i := range x {
			x[i], y[i], out[i] = r.Uint64(), r.Uint64(), r.Uint64()
		}
		want = out
		xor := n%2 == 1
		compressRef(&want, &x, &y, xor)
		compress(&out, &x, &y, &q, xor)
		if out != want {
			t.Fatalf("case %d (xor %v): compress differs from the reference", n, xor)
		}
	}
}
