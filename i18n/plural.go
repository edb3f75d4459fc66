package i18n

import (
	"sort"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
)

// A message with plural forms ("{{.Count}} member" and "{{.Count}}
// members") can be overridden as a whole, one text for every count, or form
// by form: the key of a form is the message's id, a dot and the form's CLDR
// name (admin.members.count.one), as in the language's file. A form's text
// comes before the whole message's.

// pluralForms returns the forms of m by name, or nil when it has none but
// "other" (a message without plural forms).
func pluralForms(m *goi18n.Message) map[string]string {
	fs := map[string]string{}
	for name, text := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two, "few": m.Few, "many": m.Many} {
		if text != "" {
			fs[name] = text
		}
	}
	if len(fs) == 0 {
		return nil
	}
	fs["other"] = m.Other
	return fs
}

// PluralForms returns the names of the plural forms message id has in
// language code, in CLDR order (zero, one, two, few, many, other); none for
// a message without plural forms.
func (c *Catalog) PluralForms(code, id string) []string {
	fs := c.forms[code][id]
	var out []string
	for _, name := range formOrder {
		if _, ok := fs[name]; ok {
			out = append(out, name)
		}
	}
	return out
}

var formOrder = []string{"zero", "one", "two", "few", "many", "other"}

// splitForm splits the key of one plural form (admin.members.count.one)
// into the message's id and the form, when code's message id has that form.
func (c *Catalog) splitForm(code, key string) (id, form string, ok bool) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return "", "", false
	}
	id, form = key[:i], key[i+1:]
	_, ok = c.forms[code][id][form]
	return id, form, ok
}

// formOf is the plural form of the count n in the language: the name of
// one of plural.Form's values, as the catalog's files write it.
func (l *Lang) formOf(n any) string {
	i, ok := n.(int)
	if !ok {
		return ""
	}
	if i < 0 {
		i = -i
	}
	switch plural.Cardinal.MatchPlural(l.tag, i, 0, 0, 0, 0) {
	case plural.Zero:
		return "zero"
	case plural.One:
		return "one"
	case plural.Two:
		return "two"
	case plural.Few:
		return "few"
	case plural.Many:
		return "many"
	}
	return "other"
}

// formsList names forms for a person: "one, other".
func formsList(forms []string) string {
	s := append([]string(nil), forms...)
	sort.SliceStable(s, func(i, j int) bool { return indexOf(formOrder, s[i]) < indexOf(formOrder, s[j]) })
	return strings.Join(s, ", ")
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return len(list)
}
