package secret

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParsePHC(t *testing.T) {
	valid := "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ"
	h, err := parsePHC(valid)
	if err != nil {
		t.Fatal(err)
	}
	want := params{memory: 19456, time: 2, lanes: 1, saltLen: 16, keyLen: 32}
	if h.params != want || !bytes.Equal(h.salt, []byte("somesaltsomesalt")) {
		t.Errorf("parsePHC = %+v, salt %q; want %+v, somesaltsomesalt", h.params, h.salt, want)
	}
	if got := h.format(); got != valid {
		t.Errorf("format = %s, want %s", got, valid)
	}

	bad := map[string]string{
		"empty":               "",
		"no version":          "$argon2id$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"parameters reversed": "$argon2id$v=19$p=1,t=2,m=19456$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"extra parameter":     "$argon2id$v=19$m=19456,t=2,p=1,keyid=x$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"leading zero":        "$argon2id$v=19$m=019456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"plus sign":           "$argon2id$v=19$m=+19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"negative":            "$argon2id$v=19$m=19456,t=-2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"overflow":            "$argon2id$v=19$m=99999999999,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"memory over 1 GiB":   "$argon2id$v=19$m=1048577,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"memory below 8p":     "$argon2id$v=19$m=31,t=2,p=4$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"time 0":              "$argon2id$v=19$m=19456,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"time 101":            "$argon2id$v=19$m=19456,t=101,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"lanes 256":           "$argon2id$v=19$m=19456,t=2,p=256$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"salt too short":      "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"key too short":       "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2Hw",
		"key over 1 KiB":      "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$" + strings.Repeat("A", 1400),
		"padding":             "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA==$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"url alphabet":        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw_X0kBfgfbVSTy8EKgQ",
		"stray low bits":      "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdB$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ",
		"trailing field":      "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ$",
		"huge input":          "$argon2id$v=19$m=19456,t=2,p=1$" + strings.Repeat("A", 1<<20),
	}
	for name, s := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := parsePHC(s); !errors.Is(err, ErrMalformedHash) {
				t.Errorf("parsePHC: err = %v, want ErrMalformedHash", err)
			}
		})
	}
}

// FuzzParsePHC: parsePHC never panics, accepts only what it can write back
// byte for byte, and never accepts parameters beyond the limits.
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2HxLOpwrS0hJXUp6TvX6i7gGw/X0kBfgfbVSTy8EKgQ")
	f.Add("$argon2id$v=19$m=64,t=1,p=4$c29tZXNhbHQ$c29tZQ")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("error %v does not wrap ErrMalformedHash", err)
			}
			return
		}
		if got := h.format(); got != s {
			t.Fatalf("format(parsePHC(%q)) = %q", s, got)
		}
		if h.memory > maxMemory || h.time > maxTime || h.lanes > maxLanes || h.memory < 8*h.lanes ||
			len(h.salt) < minSaltLen || len(h.salt) > maxSaltLen || len(h.key) < minKeyLen || len(h.key) > maxKeyLen {
			t.Fatalf("accepted out-of-range parameters: %+v", h.params)
		}
	})
}
