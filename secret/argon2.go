package secret

import (
	"encoding/binary"

	"golang.org/x/crypto/blake2b"
)

// Argon2id as RFC 9106 describes it, written so that its 1 KiB blocks live in a
// state that a hashing slot keeps and reuses. golang.org/x/crypto/argon2
// allocates its 19 MiB afresh on every call: measured here with two hashes at
// once, that allocation (zeroing, page faults, garbage collection) costs about
// 10% more CPU per hash than this code, and the garbage it leaves triples the
// peak resident memory (140 MiB against 45). Run on its own, x/crypto's SSE4.1
// assembly and this pure-Go code take the same time. BenchmarkArgon2Cost in
// bench_test.go measures both.

const (
	argonVersion = 0x13 // version 1.3, the only one we hash or verify
	argonID      = 2    // the type code y of Argon2id
	syncPoints   = 4    // slices per pass, SL in the RFC
	addrPerBlock = 128  // pseudo-random addresses in one address block
)

// argonState is the working memory of one Argon2id computation: the memory
// blocks and the few blocks address generation and compression need as scratch.
// A slot of the Hasher owns one and reuses it for every hash it runs.
type argonState struct {
	mem   []block
	input block // Argon2i address generator input: pass, lane, slice, m', t, y, counter
	addr  block // the current 128 pseudo-random addresses
	tmp   block // G(0, input), the inner half of address generation
	zero  block // always zero
	q     block // scratch of compress
}

// argonBlocks returns m', the number of blocks Argon2 uses for memory KiB and
// lanes lanes: m rounded down to a multiple of 4p (RFC 9106 §3.2 step 3).
func argonBlocks(memory, lanes uint32) uint32 {
	return memory / (syncPoints * lanes) * (syncPoints * lanes)
}

// key computes the Argon2id tag of password and salt with the optional secret K
// and associated data X (the public API passes none; the RFC test vector needs
// both). The caller checks parameters: memory >= 8·lanes, lanes >= 1, time >= 1,
// keyLen >= 4. The state's memory grows if it is too small and is otherwise used
// as it is: every block is written in the first pass before it is ever read, so
// what an earlier hash left there cannot leak into this one.
func (s *argonState) key(password, salt, secret, data []byte, time, memory, lanes, keyLen uint32) []byte {
	n := argonBlocks(memory, lanes)
	if uint32(len(s.mem)) < n {
		s.mem = make([]block, n)
	}
	mem := s.mem[:n]
	laneLen := n / lanes
	segLen := laneLen / syncPoints

	h0 := initialHash(password, salt, secret, data, time, memory, lanes, keyLen)
	var buf [1024]byte
	var ext [72]byte // H0 || LE32(block index) || LE32(lane)
	copy(ext[:], h0[:])
	for l := uint32(0); l < lanes; l++ {
		binary.LittleEndian.PutUint32(ext[68:], l)
		for j := uint32(0); j < 2; j++ {
			binary.LittleEndian.PutUint32(ext[64:], j)
			hprime(buf[:], ext[:])
			b := &mem[l*laneLen+j]
			for i := range b {
				b[i] = binary.LittleEndian.Uint64(buf[8*i:])
			}
		}
	}

	for pass := uint32(0); pass < time; pass++ {
		for slice := uint32(0); slice < syncPoints; slice++ {
			// Lanes of one slice only read finished slices of other lanes, so
			// computing them one after the other gives the same result as in
			// parallel; on a server, other sign-ins keep the other cores busy.
			for lane := uint32(0); lane < lanes; lane++ {
				s.fillSegment(mem, pass, slice, lane, lanes, laneLen, segLen, time)
			}
		}
	}

	final := mem[laneLen-1]
	for l := uint32(1); l < lanes; l++ {
		last := &mem[l*laneLen+laneLen-1]
		for i := range final {
			final[i] ^= last[i]
		}
	}
	for i, w := range final {
		binary.LittleEndian.PutUint64(buf[8*i:], w)
	}
	out := make([]byte, keyLen)
	hprime(out, buf[:])
	return out
}

// fillSegment computes the blocks of one segment: slice slice of lane lane in
// pass pass (RFC 9106 §3.2 steps 5–6 and §3.4).
func (s *argonState) fillSegment(mem []block, pass, slice, lane, lanes, laneLen, segLen, time uint32) {
	// Argon2id: data-independent addressing in the first half of the first pass,
	// against side channels; data-dependent afterwards, against trade-offs.
	independent := pass == 0 && slice < syncPoints/2
	if independent {
		s.input = block{}
		s.input[0] = uint64(pass)
		s.input[1] = uint64(lane)
		s.input[2] = uint64(slice)
		s.input[3] = uint64(len(mem))
		s.input[4] = uint64(time)
		s.input[5] = argonID
	}
	start := uint32(0)
	if pass == 0 && slice == 0 {
		start = 2 // the first two blocks of each lane come from H'
		if independent {
			s.nextAddresses()
		}
	}
	laneStart := lane * laneLen
	cur := laneStart + slice*segLen + start
	for i := start; i < segLen; i, cur = i+1, cur+1 {
		prev := cur - 1
		if cur == laneStart {
			prev = laneStart + laneLen - 1 // the first block of a lane follows its last
		}
		var rand uint64
		if independent {
			if i%addrPerBlock == 0 {
				s.nextAddresses()
			}
			rand = s.addr[i%addrPerBlock]
		} else {
			rand = mem[prev][0]
		}

		refLane := uint32(rand>>32) % lanes
		if pass == 0 && slice == 0 {
			refLane = lane // nothing of other lanes exists yet
		}
		// The reference area: every block already finished that this one may
		// depend on, less the previous block, which it depends on anyway.
		var area uint32
		if pass == 0 {
			area = slice * segLen
		} else {
			area = laneLen - segLen
		}
		if refLane == lane {
			area += i - 1
		} else if i == 0 {
			area--
		}
		// Map J1 non-uniformly onto the area, favouring recent blocks.
		x := uint64(uint32(rand))
		x = x * x >> 32
		rel := area - 1 - uint32(uint64(area)*x>>32)
		var startPos uint32
		if pass != 0 && slice != syncPoints-1 {
			startPos = (slice + 1) * segLen
		}
		ref := refLane*laneLen + (startPos+rel)%laneLen

		compress(&mem[cur], &mem[prev], &mem[ref], &s.q, pass != 0)
	}
}

// nextAddresses advances the counter of the address generator and computes the
// next 128 addresses: G(0, G(0, input)).
func (s *argonState) nextAddresses() {
	s.input[6]++
	compress(&s.tmp, &s.zero, &s.input, &s.q, false)
	compress(&s.addr, &s.zero, &s.tmp, &s.q, false)
}

// initialHash computes H0, the 64-byte digest of every input and parameter
// (RFC 9106 §3.2 step 1).
func initialHash(password, salt, secret, data []byte, time, memory, lanes, keyLen uint32) [64]byte {
	h, _ := blake2b.New512(nil) // cannot fail without a key
	var le [4]byte
	put := func(v uint32) {
		binary.LittleEndian.PutUint32(le[:], v)
		h.Write(le[:])
	}
	put(lanes)
	put(keyLen)
	put(memory)
	put(time)
	put(argonVersion)
	put(argonID)
	for _, b := range [][]byte{password, salt, secret, data} {
		put(uint32(len(b)))
		h.Write(b)
	}
	var h0 [64]byte
	h.Sum(h0[:0])
	return h0
}

// hprime is the variable-length hash H' of RFC 9106 §3.3: it fills out with the
// hash of LE32(len(out)) || in. Up to 64 bytes it is BLAKE2b with that output
// length; beyond, a chain of BLAKE2b-512 digests of which each gives its first
// 32 bytes, and a last digest sized to what remains.
func hprime(out, in []byte) {
	var le [4]byte
	binary.LittleEndian.PutUint32(le[:], uint32(len(out)))
	if len(out) <= blake2b.Size {
		h, _ := blake2b.New(len(out), nil) // 1..64 without a key cannot fail
		h.Write(le[:])
		h.Write(in)
		h.Sum(out[:0])
		return
	}
	h, _ := blake2b.New512(nil)
	h.Write(le[:])
	h.Write(in)
	var v [blake2b.Size]byte
	h.Sum(v[:0])
	copy(out, v[:32])
	out = out[32:]
	for len(out) > blake2b.Size {
		v = blake2b.Sum512(v[:])
		copy(out, v[:32])
		out = out[32:]
	}
	h, _ = blake2b.New(len(out), nil)
	h.Write(v[:])
	h.Sum(out[:0])
}
