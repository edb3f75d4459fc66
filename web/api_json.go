package web

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What encoding/json lets through and decodeJSON refuses. Invalid UTF-8, and a
// \u escape that names half a surrogate pair, are decoded as U+FFFD without a
// word, so "caf\xe9" would be stored as "caf�"; and of two members of one
// object with the same name (or names that differ only in case, which
// encoding/json matches to the same field) the last wins without a word, so a
// body that reads as one thing to a reviewer or a proxy does another here.
// Forms refuse the first already (parseForm); these checks make the API say
// so too.

// invalidText returns the offset of the first byte of body that is not valid
// UTF-8, or of a \u escape that is a lone surrogate, and whether there is one.
func invalidText(body []byte) (int, bool) {
	if !utf8.Valid(body) {
		for i := 0; i < len(body); {
			r, n := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && n <= 1 {
				return i, true
			}
			i += n
		}
	}
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\' && i+1 < len(body):
			if body[i+1] != 'u' {
				i++ // a one-character escape, \" included
				continue
			}
			r, ok := hex4(body, i+2)
			if !ok {
				return 0, false // not JSON: the decoder says where
			}
			switch {
			case utf16IsHigh(r):
				low, ok := hex4(body, i+8)
				if !ok || body[i+6] != '\\' || body[i+7] != 'u' || !utf16IsLow(low) {
					return i, true
				}
				i += 11
			case utf16IsLow(r):
				return i, true
			default:
				i += 5
			}
		}
	}
	return 0, false
}

func utf16IsHigh(r rune) bool { return r >= 0xd800 && r < 0xdc00 }
func utf16IsLow(r rune) bool  { return r >= 0xdc00 && r < 0xe000 }

// hex4 reads the four hexadecimal digits at body[i:].
func hex4(body []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(body) {
		return 0, false
	}
	var r rune
	for _, c := range body[i : i+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// duplicateKey returns the name of the first member that appears twice in one
// object of body, compared as encoding/json matches names to fields (ignoring
// case), and its path ("a.b" for b inside a). Malformed JSON has none: the
// decoder reports it.
func duplicateKey(body []byte) (string, bool) {
	type frame struct {
		object    bool
		expectKey bool
		keys      map[string]bool
		path      string
		last      string // the key of the value being read
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var stack []*frame
	valueRead := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *frame
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				path := ""
				if top != nil {
					path = top.path
					if top.object {
						path = joinPath(path, top.last)
					}
				}
				stack = append(stack, &frame{object: d == '{', expectKey: d == '{', keys: map[string]bool{}, path: path})
			default:
				stack = stack[:len(stack)-1]
				valueRead()
			}
			continue
		}
		if k, ok := tok.(string); ok && top != nil && top.object && top.expectKey {
			f := foldKey(k)
			if top.keys[f] {
				return joinPath(top.path, k), true
			}
			top.keys[f] = true
			top.expectKey, top.last = false, k
			continue
		}
		valueRead()
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// foldKey maps every letter of s to the smallest letter of its case-folding
// orbit, so that two names fold to the same key exactly when they are equal
// ignoring case, as encoding/json compares them.
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		low := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			low = min(low, f)
		}
		b.WriteRune(low)
	}
	return b.String()
}
