package i18n

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Lang is one language of a catalog: it looks messages up by id and renders
// them with their values.
type Lang struct {
	cat  *Catalog
	code string
	tag  language.Tag
	loc  *goi18n.Localizer
	// over are an organization's own texts, by message id, and key names
	// them for caches of what was rendered with them (overrides.go).
	over map[string]*texttemplate.Template
	key  string
}

// Code returns the language's code as <html lang> and Content-Language want
// it ("de", "en-XA").
func (l *Lang) Code() string { return l.code }

// T returns the message id with the values given as name, value pairs:
// T("login.welcome", "Name", "Ada"). A message the catalog lacks is returned
// as its id, so that a missing translation is visible (and the catalog tests
// fail) rather than blank.
func (l *Lang) T(id string, kv ...any) string {
	return l.localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: pairs(kv)})
}

// N returns the plural form of message id for the count n, which the message
// sees as {{.Count}} besides the pairs kv.
func (l *Lang) N(id string, n int, kv ...any) string {
	data := pairs(kv)
	data["Count"] = n
	return l.localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: n})
}

// HTML returns message id as trusted HTML: the message may hold markup
// (<code>, <strong>, a link), and the values are escaped. Only messages whose
// id ends in "_html" may be used so, which keeps markup out of every other
// message and makes the ones that have it easy to review.
func (l *Lang) HTML(id string, kv ...any) template.HTML {
	if len(id) < 5 || id[len(id)-5:] != "_html" {
		return template.HTML(template.HTMLEscapeString(id))
	}
	for i := 1; i < len(kv); i += 2 {
		if s, ok := kv[i].(string); ok {
			// As html/template escapes text, "+" included.
			kv[i] = strings.ReplaceAll(template.HTMLEscapeString(s), "+", "&#43;")
		}
	}
	return template.HTML(l.T(id, kv...)) //nolint:gosec // the catalog is ours; values are escaped above
}

// Tr translates an English text that code outside the templates wrote (a
// domain error's message, a notice) by finding the catalog message whose
// English is that text, values included ("A name has at most 100
// characters."). A text the catalog does not know is returned unchanged.
//
// A text made of several sentences the catalog knows one by one ("It needs a
// digit. It needs a special character.") is translated sentence by sentence,
// and the values taken from a pattern are translated in turn, so that a
// message the domain composed of known parts reads in one language.
func (l *Lang) Tr(english string) string {
	s, _ := l.tr(english, 0)
	return s
}

func (l *Lang) tr(text string, depth int) (string, bool) {
	if text == "" || depth > 3 {
		return text, false
	}
	if d, ok := englishDuration(text); ok {
		return l.Duration(d), true
	}
	if id, ok := l.cat.reverse.exact[text]; ok {
		return l.localize(&goi18n.LocalizeConfig{MessageID: id}), true
	}
	if depth > 0 {
		// A value taken from a pattern may be a list the domain wrote in
		// English ("a, b or c"): its items are translated one by one and
		// joined by the language's own "or" (list.or).
		if i := strings.LastIndex(text, " or "); i > 0 {
			first, ok := l.tr(text[:i], depth+1)
			last, ok2 := l.tr(text[i+len(" or "):], depth+1)
			if ok && ok2 {
				return l.T("list.or", "First", first, "Last", last), true
			}
		}
	}
	// Sentences the catalog knows one by one come before a pattern: a
	// pattern's values are free text, so "{{.Browser}} on {{.System}}" would
	// otherwise take a whole refusal that has " on " somewhere in it.
	if parts := sentences(text); len(parts) > 1 {
		if s, ok := l.each(parts, " ", depth); ok {
			return s, true
		}
	}
	if id, data, ok := l.cat.reverse.find(text); ok {
		for k, v := range data {
			if s, ok := v.(string); ok {
				data[k], _ = l.tr(s, depth+1)
			}
		}
		return l.localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data}), true
	}
	sep, parts := " ", sentences(text)
	if len(parts) < 2 && depth > 0 {
		// A value taken from a pattern may be a list ("a, b and c" gives
		// "a, b" to the pattern "{{.A}} and {{.B}}").
		sep, parts = ", ", strings.Split(text, ", ")
	}
	if len(parts) < 2 {
		return text, false
	}
	if s, ok := l.each(parts, sep, depth); ok {
		return s, true
	}
	return text, false
}

// each translates every part, or reports that one has no message.
func (l *Lang) each(parts []string, sep string, depth int) (string, bool) {
	out := make([]string, len(parts))
	for i, p := range parts {
		s, ok := l.tr(p, depth+1)
		if !ok {
			return "", false
		}
		out[i] = s
	}
	return strings.Join(out, sep), true
}

// sentences splits text after each ". ", "? ", "! " or ": ".
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+1 < len(text); i++ {
		if strings.IndexByte(".?!:", text[i]) >= 0 && text[i+1] == ' ' {
			out = append(out, text[start:i+1])
			start = i + 2
		}
	}
	return append(out, text[start:])
}

func (l *Lang) localize(c *goi18n.LocalizeConfig) string {
	if c.PluralCount != nil && len(l.over) > 0 {
		if t := l.over[c.MessageID+"."+l.formOf(c.PluralCount)]; t != nil {
			if s, ok := execOverride(t, c.TemplateData); ok {
				return s
			}
		}
	}
	if t := l.over[c.MessageID]; t != nil {
		if s, ok := execOverride(t, c.TemplateData); ok {
			return s
		}
	}
	s, err := l.loc.Localize(c)
	if err != nil && s == "" {
		return c.MessageID
	}
	return s
}

func pairs(kv []any) map[string]any {
	data := make(map[string]any, len(kv)/2+1)
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return data
}

var englishUnits = map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}

// englishDuration reads a duration as HumanWait and Duration write it in
// English ("30 seconds", "1 hour and 30 minutes"), so that a wait inside a
// domain message is said in the reader's language.
func englishDuration(text string) (time.Duration, bool) {
	var total time.Duration
	for _, part := range strings.Split(text, " and ") {
		num, unit, ok := strings.Cut(part, " ")
		n, err := strconv.Atoi(num)
		size, known := englishUnits[strings.TrimSuffix(unit, "s")]
		if !ok || err != nil || !known || n < 0 {
			return 0, false
		}
		total += time.Duration(n) * size
	}
	return total, true
}
