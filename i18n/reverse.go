package i18n

import (
	"regexp"
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

// reverseIndex finds the message whose English is a given text. Code outside
// the templates (the domain's errors, the handlers' notices) writes English;
// the web layer translates those texts at the edge through this index instead
// of every use case carrying message ids. A message with values ({{.Max}})
// becomes a pattern whose values are taken from the text.
type reverseIndex struct {
	exact    map[string]string // English text to id
	patterns []pattern
}

type pattern struct {
	id    string
	re    *regexp.Regexp
	names []string
	// literal is the length of the fixed text around the values.
	literal int
}

var valueRef = regexp.MustCompile(`\{\{\s*\.([A-Za-z][A-Za-z0-9]*)\s*\}\}`)

func newReverseIndex(english []*goi18n.Message) (*reverseIndex, error) {
	ix := &reverseIndex{exact: map[string]string{}}
	// In id order, so that of two messages with the same English the same one
	// is always found.
	english = append([]*goi18n.Message(nil), english...)
	sort.Slice(english, func(i, j int) bool { return english[i].ID < english[j].ID })
	for _, m := range english {
		// Plural messages are chosen by a count the caller has; an English
		// text cannot say which form it was.
		if m.Other == "" || m.One != "" || strings.HasSuffix(m.ID, "_html") || formatting(m.ID) {
			continue
		}
		src := m.Other
		if !strings.Contains(src, "{{") {
			if _, dup := ix.exact[src]; !dup {
				ix.exact[src] = m.ID
			}
			continue
		}
		refs := valueRef.FindAllStringSubmatchIndex(src, -1)
		var expr strings.Builder
		var names []string
		last := 0
		for _, r := range refs {
			expr.WriteString(regexp.QuoteMeta(src[last:r[0]]))
			expr.WriteString("(.+?)")
			names = append(names, src[r[2]:r[3]])
			last = r[1]
		}
		rest := src[last:]
		if strings.Contains(rest, "{{") || strings.Contains(expr.String(), `\{\{`) {
			continue // more than plain values: not a pattern we can invert
		}
		expr.WriteString(regexp.QuoteMeta(rest))
		re, err := regexp.Compile("^" + expr.String() + "$")
		if err != nil {
			return nil, err
		}
		ix.patterns = append(ix.patterns, pattern{id: m.ID, re: re, names: names, literal: len(valueRef.ReplaceAllString(src, ""))})
	}
	// The pattern with the most fixed text is tried first, so that a general
	// one never takes a text a more specific one was written for.
	sort.SliceStable(ix.patterns, func(i, j int) bool { return ix.patterns[i].literal > ix.patterns[j].literal })
	return ix, nil
}

func (ix *reverseIndex) find(text string) (string, map[string]any, bool) {
	if id, ok := ix.exact[text]; ok {
		return id, nil, true
	}
	for _, p := range ix.patterns {
		if m := p.re.FindStringSubmatch(text); m != nil {
			data := make(map[string]any, len(p.names))
			for i, n := range p.names {
				data[n] = m[i+1]
			}
			return p.id, data, true
		}
	}
	return "", nil, false
}

// formatting reports whether id is a message that formats values (a date, a
// duration, a language's name) rather than says something: no English text
// is one of those, and their patterns ("{{.Day}} {{.Month}} {{.Year}}, ...")
// would match almost anything.
func formatting(id string) bool {
	for _, p := range []string{"time.", "month.", "weekday.", "duration.", "language.", "list."} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}
