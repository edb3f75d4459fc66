package secret

import "testing"

// TestAdviseHugePages: the advice is harmless on any slice, and a hash in memory
// that received it is the same hash.
func TestAdviseHugePages(t *testing.T) {
	for _, n := range []int{0, 1, 100, 3000, 19456} {
		adviseHugePages(make([]block, n))
	}
	plain := (&argonState{}).key([]byte("password"), []byte("somesaltsomesalt"), nil, nil, 2, 4096, 1, 32)
	s := &argonState{mem: make([]block, 4096)}
	adviseHugePages(s.mem)
	if got := s.key([]byte("password"), []byte("somesaltsomesalt"), nil, nil, 2, 4096, 1, 32); string(got) != string(plain) {
		t.Error("a hash in advised memory differs")
	}
}
