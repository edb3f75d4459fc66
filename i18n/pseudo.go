package i18n

import (
	"strings"
	"unicode"
)

// Untranslated returns the pieces of text, rendered in the pseudo-locale,
// that are neither inside the catalog's markers nor one of the known values
// (the names, addresses and codes the test put in): text that did not come
// from the catalog. Pieces without a letter (punctuation, numbers, times)
// are not reported. Markers may nest: a message's value may be a message.
func Untranslated(text string, known ...string) []string {
	var outside strings.Builder
	depth := 0
	for _, r := range text {
		switch {
		case string(r) == PseudoOpen:
			depth++
			outside.WriteRune(' ')
		case string(r) == PseudoClose && depth > 0:
			depth--
			outside.WriteRune(' ')
		case depth == 0:
			outside.WriteRune(r)
		}
	}
	rest := outside.String()
	// The longest first, so that a value inside another does not cut it.
	for _, k := range longestFirst(known) {
		if k != "" {
			rest = strings.ReplaceAll(rest, k, " ")
		}
	}
	var out []string
	for _, piece := range strings.FieldsFunc(rest, func(r rune) bool { return r == '\n' || r == '\t' }) {
		if strings.IndexFunc(piece, unicode.IsLetter) >= 0 {
			out = append(out, strings.TrimSpace(piece))
		}
	}
	return out
}

func longestFirst(ss []string) []string {
	out := append([]string(nil), ss...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
