package gatehouse

import (
	"bytes"
	"testing"
)

// TestNewIDAllocation: an id from the system's random source costs one
// allocation (every request's correlation id is one), and a given source
// still decides the id.
func TestNewIDAllocation(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = NewID(nil) }); n > 1 {
		t.Errorf("NewID(nil) allocates %.0f times, want 1", n)
	}
	a, b := NewID(bytes.NewReader(make([]byte, 16))), NewID(bytes.NewReader(make([]byte, 16)))
	x, y := NewID(nil), NewID(nil)
	if a != b || len(a) != 26 || x == y {
		t.Errorf("ids from the same bytes %q and %q, want equal and 26 characters; two random ones must differ", a, b)
	}
}
