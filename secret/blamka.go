package secret

import "math/bits"

// block is one 1 KiB Argon2 memory block, read as 128 little-endian 64-bit words.
type block [128]uint64

// rowRound applies the permutation P to one row of R = x⊕y, the 16 consecutive
// words of one row of the 8×8 matrix of 16-byte registers, and stores it in q.
// Reading x and y here rather than in a loop of its own saves a pass over
// 1 KiB; loading the words into locals keeps the eight quarter-rounds in
// registers, and the fixed-size array pointers free them of bounds checks. The
// eight quarter-rounds (BlaMka's GB of RFC 9106 §3.6; gb in the tests is the
// plain version) are written out because the compiler will not inline a
// function of their size, and the call would cost more than the round.
func rowRound(q, x, y *[16]uint64) {
	v0, v1, v2, v3, v4, v5, v6, v7 := x[0]^y[0], x[1]^y[1], x[2]^y[2], x[3]^y[3], x[4]^y[4], x[5]^y[5], x[6]^y[6], x[7]^y[7]
	v8, v9, v10, v11, v12, v13, v14, v15 := x[8]^y[8], x[9]^y[9], x[10]^y[10], x[11]^y[11], x[12]^y[12], x[13]^y[13], x[14]^y[14], x[15]^y[15]
	v0 += v4 + 2*uint64(uint32(v0))*uint64(uint32(v4))
	v12 = bits.RotateLeft64(v12^v0, -32)
	v8 += v12 + 2*uint64(uint32(v8))*uint64(uint32(v12))
	v4 = bits.RotateLeft64(v4^v8, -24)
	v0 += v4 + 2*uint64(uint32(v0))*uint64(uint32(v4))
	v12 = bits.RotateLeft64(v12^v0, -16)
	v8 += v12 + 2*uint64(uint32(v8))*uint64(uint32(v12))
	v4 = bits.RotateLeft64(v4^v8, -63)
	v1 += v5 + 2*uint64(uint32(v1))*uint64(uint32(v5))
	v13 = bits.RotateLeft64(v13^v1, -32)
	v9 += v13 + 2*uint64(uint32(v9))*uint64(uint32(v13))
	v5 = bits.RotateLeft64(v5^v9, -24)
	v1 += v5 + 2*uint64(uint32(v1))*uint64(uint32(v5))
	v13 = bits.RotateLeft64(v13^v1, -16)
	v9 += v13 + 2*uint64(uint32(v9))*uint64(uint32(v13))
	v5 = bits.RotateLeft64(v5^v9, -63)
	v2 += v6 + 2*uint64(uint32(v2))*uint64(uint32(v6))
	v14 = bits.RotateLeft64(v14^v2, -32)
	v10 += v14 + 2*uint64(uint32(v10))*uint64(uint32(v14))
	v6 = bits.RotateLeft64(v6^v10, -24)
	v2 += v6 + 2*uint64(uint32(v2))*uint64(uint32(v6))
	v14 = bits.RotateLeft64(v14^v2, -16)
	v10 += v14 + 2*uint64(uint32(v10))*uint64(uint32(v14))
	v6 = bits.RotateLeft64(v6^v10, -63)
	v3 += v7 + 2*uint64(uint32(v3))*uint64(uint32(v7))
	v15 = bits.RotateLeft64(v15^v3, -32)
	v11 += v15 + 2*uint64(uint32(v11))*uint64(uint32(v15))
	v7 = bits.RotateLeft64(v7^v11, -24)
	v3 += v7 + 2*uint64(uint32(v3))*uint64(uint32(v7))
	v15 = bits.RotateLeft64(v15^v3, -16)
	v11 += v15 + 2*uint64(uint32(v11))*uint64(uint32(v15))
	v7 = bits.RotateLeft64(v7^v11, -63)
	v0 += v5 + 2*uint64(uint32(v0))*uint64(uint32(v5))
	v15 = bits.RotateLeft64(v15^v0, -32)
	v10 += v15 + 2*uint64(uint32(v10))*uint64(uint32(v15))
	v5 = bits.RotateLeft64(v5^v10, -24)
	v0 += v5 + 2*uint64(uint32(v0))*uint64(uint32(v5))
	v15 = bits.RotateLeft64(v15^v0, -16)
	v10 += v15 + 2*uint64(uint32(v10))*uint64(uint32(v15))
	v5 = bits.RotateLeft64(v5^v10, -63)
	v1 += v6 + 2*uint64(uint32(v1))*uint64(uint32(v6))
	v12 = bits.RotateLeft64(v12^v1, -32)
	v11 += v12 + 2*uint64(uint32(v11))*uint64(uint32(v12))
	v6 = bits.RotateLeft64(v6^v11, -24)
	v1 += v6 + 2*uint64(uint32(v1))*uint64(uint32(v6))
	v12 = bits.RotateLeft64(v12^v1, -16)
	v11 += v12 + 2*uint64(uint32(v11))*uint64(uint32(v12))
	v6 = bits.RotateLeft64(v6^v11, -63)
	v2 += v7 + 2*uint64(uint32(v2))*uint64(uint32(v7))
	v13 = bits.RotateLeft64(v13^v2, -32)
	v8 += v13 + 2*uint64(uint32(v8))*uint64(uint32(v13))
	v7 = bits.RotateLeft64(v7^v8, -24)
	v2 += v7 + 2*uint64(uint32(v2))*uint64(uint32(v7))
	v13 = bits.RotateLeft64(v13^v2, -16)
	v8 += v13 + 2*uint64(uint32(v8))*uint64(uint32(v13))
	v7 = bits.RotateLeft64(v7^v8, -63)
	v3 += v4 + 2*uint64(uint32(v3))*uint64(uint32(v4))
	v14 = bits.RotateLeft64(v14^v3, -32)
	v9 += v14 + 2*uint64(uint32(v9))*uint64(uint32(v14))
	v4 = bits.RotateLeft64(v4^v9, -24)
	v3 += v4 + 2*uint64(uint32(v3))*uint64(uint32(v4))
	v14 = bits.RotateLeft64(v14^v3, -16)
	v9 += v14 + 2*uint64(uint32(v9))*uint64(uint32(v14))
	v4 = bits.RotateLeft64(v4^v9, -63)
	q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7] = v0, v1, v2, v3, v4, v5, v6, v7
	q[8], q[9], q[10], q[11], q[12], q[13], q[14], q[15] = v8, v9, v10, v11, v12, v13, v14, v15
}

// colRound applies P to one column of registers of q and finishes G for its
// words: out = P(q)⊕R, or out ^= P(q)⊕R. Column c holds register c of every row,
// words 2c+16k and 2c+16k+1 for k = 0..7; the pointers start at word 2c, so the
// column is [0], [1], [16], [17], …, [112], [113].
func colRound(out, q, x, y *[114]uint64, xor bool) {
	v0, v1, v2, v3, v4, v5, v6, v7 := q[0], q[1], q[16], q[17], q[32], q[33], q[48], q[49]
	v8, v9, v10, v11, v12, v13, v14, v15 := q[64], q[65], q[80], q[81], q[96], q[97], q[112], q[113]
	v0 += v4 + 2*uint64(uint32(v0))*uint64(uint32(v4))
	v12 = bits.RotateLeft64(v12^v0, -32)
	v8 += v12 + 2*uint64(uint32(v8))*uint64(uint32(v12))
	v4 = bits.RotateLeft64(v4^v8, -24)
	v0 += v4 + 2*uint64(uint32(v0))*uint64(uint32(v4))
	v12 = bits.RotateLeft64(v12^v0, -16)
	v8 += v12 + 2*uint64(uint32(v8))*uint64(uint32(v12))
	v4 = bits.RotateLeft64(v4^v8, -63)
	v1 += v5 + 2*uint64(uint32(v1))*uint64(uint32(v5))
	v13 = bits.RotateLeft64(v13^v1, -32)
	v9 += v13 + 2*uint64(uint32(v9))*uint64(uint32(v13))
	v5 = bits.RotateLeft64(v5^v9, -24)
	v1 += v5 + 2*uint64(uint32(v1))*uint64(uint32(v5))
	v13 = bits.RotateLeft64(v13^v1, -16)
	v9 += v13 + 2*uint64(uint32(v9))*uint64(uint32(v13))
	v5 = bits.RotateLeft64(v5^v9, -63)
	v2 += v6 + 2*uint64(uint32(v2))*uint64(uint32(v6))
	v14 = bits.RotateLeft64(v14^v2, -32)
	v10 += v14 + 2*uint64(uint32(v10))*uint64(uint32(v14))
	v6 = bits.RotateLeft64(v6^v10, -24)
	v2 += v6 + 2*uint64(uint32(v2))*uint64(uint32(v6))
	v14 = bits.RotateLeft64(v14^v2, -16)
	v10 += v14 + 2*uint64(uint32(v10))*uint64(uint32(v14))
	v6 = bits.RotateLeft64(v6^v10, -63)
	v3 += v7 + 2*uint64(uint32(v3))*uint64(uint32(v7))
	v15 = bits.RotateLeft64(v15^v3, -32)
	v11 += v15 + 2*uint64(uint32(v11))*uint64(uint32(v15))
	v7 = bits.RotateLeft64(v7^v11, -24)
	v3 += v7 + 2*uint64(uint32(v3))*uint64(uint32(v7))
	v15 = bits.RotateLeft64(v15^v3, -16)
	v11 += v15 + 2*uint64(uint32(v11))*uint64(uint32(v15))
	v7 = bits.RotateLeft64(v7^v11, -63)
	v0 += v5 + 2*uint64(uint32(v0))*uint64(uint32(v5))
	v15 = bits.RotateLeft64(v15^v0, -32)
	v10 += v15 + 2*uint64(uint32(v10))*uint64(uint32(v15))
	v5 = bits.RotateLeft64(v5^v10, -24)
	v0 += v5 + 2*uint64(uint32(v0))*uint64(uint32(v5))
	v15 = bits.RotateLeft64(v15^v0, -16)
	v10 += v15 + 2*uint64(uint32(v10))*uint64(uint32(v15))
	v5 = bits.RotateLeft64(v5^v10, -63)
	v1 += v6 + 2*uint64(uint32(v1))*uint64(uint32(v6))
	v12 = bits.RotateLeft64(v12^v1, -32)
	v11 += v12 + 2*uint64(uint32(v11))*uint64(uint32(v12))
	v6 = bits.RotateLeft64(v6^v11, -24)
	v1 += v6 + 2*uint64(uint32(v1))*uint64(uint32(v6))
	v12 = bits.RotateLeft64(v12^v1, -16)
	v11 += v12 + 2*uint64(uint32(v11))*uint64(uint32(v12))
	v6 = bits.RotateLeft64(v6^v11, -63)
	v2 += v7 + 2*uint64(uint32(v2))*uint64(uint32(v7))
	v13 = bits.RotateLeft64(v13^v2, -32)
	v8 += v13 + 2*uint64(uint32(v8))*uint64(uint32(v13))
	v7 = bits.RotateLeft64(v7^v8, -24)
	v2 += v7 + 2*uint64(uint32(v2))*uint64(uint32(v7))
	v13 = bits.RotateLeft64(v13^v2, -16)
	v8 += v13 + 2*uint64(uint32(v8))*uint64(uint32(v13))
	v7 = bits.RotateLeft64(v7^v8, -63)
	v3 += v4 + 2*uint64(uint32(v3))*uint64(uint32(v4))
	v14 = bits.RotateLeft64(v14^v3, -32)
	v9 += v14 + 2*uint64(uint32(v9))*uint64(uint32(v14))
	v4 = bits.RotateLeft64(v4^v9, -24)
	v3 += v4 + 2*uint64(uint32(v3))*uint64(uint32(v4))
	v14 = bits.RotateLeft64(v14^v3, -16)
	v9 += v14 + 2*uint64(uint32(v9))*uint64(uint32(v14))
	v4 = bits.RotateLeft64(v4^v9, -63)
	if xor {
		out[0] ^= v0 ^ x[0] ^ y[0]
		out[1] ^= v1 ^ x[1] ^ y[1]
		out[16] ^= v2 ^ x[16] ^ y[16]
		out[17] ^= v3 ^ x[17] ^ y[17]
		out[32] ^= v4 ^ x[32] ^ y[32]
		out[33] ^= v5 ^ x[33] ^ y[33]
		out[48] ^= v6 ^ x[48] ^ y[48]
		out[49] ^= v7 ^ x[49] ^ y[49]
		out[64] ^= v8 ^ x[64] ^ y[64]
		out[65] ^= v9 ^ x[65] ^ y[65]
		out[80] ^= v10 ^ x[80] ^ y[80]
		out[81] ^= v11 ^ x[81] ^ y[81]
		out[96] ^= v12 ^ x[96] ^ y[96]
		out[97] ^= v13 ^ x[97] ^ y[97]
		out[112] ^= v14 ^ x[112] ^ y[112]
		out[113] ^= v15 ^ x[113] ^ y[113]
	} else {
		out[0] = v0 ^ x[0] ^ y[0]
		out[1] = v1 ^ x[1] ^ y[1]
		out[16] = v2 ^ x[16] ^ y[16]
		out[17] = v3 ^ x[17] ^ y[17]
		out[32] = v4 ^ x[32] ^ y[32]
		out[33] = v5 ^ x[33] ^ y[33]
		out[48] = v6 ^ x[48] ^ y[48]
		out[49] = v7 ^ x[49] ^ y[49]
		out[64] = v8 ^ x[64] ^ y[64]
		out[65] = v9 ^ x[65] ^ y[65]
		out[80] = v10 ^ x[80] ^ y[80]
		out[81] = v11 ^ x[81] ^ y[81]
		out[96] = v12 ^ x[96] ^ y[96]
		out[97] = v13 ^ x[97] ^ y[97]
		out[112] = v14 ^ x[112] ^ y[112]
		out[113] = v15 ^ x[113] ^ y[113]
	}
}

// compress computes the compression function G of RFC 9106 §3.5 on x and y,
// with q as scratch: out = G(x, y) = P(R)⊕R with R = x⊕y, or out ^= G(x, y) in
// every pass after the first, as version 1.3 requires. out must not alias x or
// y, which Argon2's indexing guarantees (the reference set never holds the
// block being computed). R is never stored: each round reads x and y again,
// from the L1 cache.
//
// y is a pseudo-randomly chosen block of the whole memory and out, in the first
// pass, one never touched in this hash, so both usually miss every cache. One
// load per 64-byte line of each, issued together before any work, lets the CPU
// fetch all 32 lines at once instead of a few at a time as the rounds reach
// them; this alone made a hash about 10% faster. The store into q only keeps
// the compiler from dropping the loads; the first row round overwrites it.
func compress(out, x, y, q *block, xor bool) {
	var t uint64
	for i := 0; i < 128; i += 8 {
		t ^= y[i] ^ out[i]
	}
	q[0] = t
	for i := 0; i < 8; i++ {
		rowRound((*[16]uint64)(q[16*i:]), (*[16]uint64)(x[16*i:]), (*[16]uint64)(y[16*i:]))
	}
	for i := 0; i < 8; i++ {
		colRound((*[114]uint64)(out[2*i:]), (*[114]uint64)(q[2*i:]), (*[114]uint64)(x[2*i:]), (*[114]uint64)(y[2*i:]), xor)
	}
}
