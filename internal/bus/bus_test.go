package bus

import (
	"slices"
	"testing"
)

func TestBusFanOut(t *testing.T) {
	b := New()
	var a1, a2, o []string
	b.Subscribe("member", func(k string) { a1 = append(a1, k) })
	b.Subscribe("member", func(k string) { a2 = append(a2, k) })
	b.Subscribe("organization", func(k string) { o = append(o, k) })
	b.Deliver("member", "m1")
	b.Deliver("organization", "acme")
	b.Deliver("nobody", "x")
	b.Gap()
	if want := []string{"m1", All}; !slices.Equal(a1, want) || !slices.Equal(a2, want) {
		t.Errorf("member subscribers got %q and %q, want %q", a1, a2, want)
	}
	if want := []string{"acme", All}; !slices.Equal(o, want) {
		t.Errorf("organization subscriber got %q, want %q", o, want)
	}
	if st := b.Stats(); st.Delivered != 3 || st.Gaps != 1 || st.Connected {
		t.Errorf("stats %+v", st)
	}
}

func TestPayload(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Notice
		ok   bool
	}{
		{"member:abc", Notice{"member", "abc"}, true},
		{"member:", Notice{"member", ""}, true},
		{"organization:a:b", Notice{"organization", "a:b"}, true},
		{"member", Notice{}, false},
		{":abc", Notice{}, false},
	} {
		got, ok := ParsePayload(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParsePayload(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok && mustParse(t, got.Payload()) != got {
			t.Errorf("%v does not round-trip", got)
		}
	}
}

func mustParse(t *testing.T, p string) Notice {
	n, ok := ParsePayload(p)
	if !ok {
		t.Fatalf("ParsePayload(%q) failed", p)
	}
	return n
}
