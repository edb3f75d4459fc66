package webhook

import (
	"sort"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// Patterns returns the patterns that select an event of type t: "*", the
// family "prefix.*" when t has a dot, and t itself. The store matches a
// subscription against these with one indexed IN.
func Patterns(t gatehouse.EventType) []string {
	s := string(t)
	fam := s
	if i := strings.IndexByte(s, '.'); i > 0 {
		fam = s[:i] + ".*"
	}
	return []string{"*", fam, s}
}

// maxPatterns bounds a subscription.
const maxPatterns = 100

// CleanEvents checks a subscription and returns it sorted without repeats:
// each entry is "*", a known event type, or "family.*" of a known family.
// The error message names the first entry refused.
func CleanEvents(events []string) ([]string, string) {
	if len(events) == 0 {
		return nil, `Choose at least one event type, or "*" for all.`
	}
	if len(events) > maxPatterns {
		return nil, "Choose at most 100 event types."
	}
	known := map[string]bool{"*": true}
	for _, t := range gatehouse.EventTypes {
		for _, p := range Patterns(t) {
			known[p] = true
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range events {
		e = strings.TrimSpace(e)
		if !known[e] {
			if len(e) > 64 {
				e = e[:64]
			}
			return nil, `"` + e + `" is not an event type (see the list in the documentation).`
		}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	sort.Strings(out)
	return out, ""
}
