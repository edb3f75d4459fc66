package i18n

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
)

// An organization may word any message of the catalog its own way, per
// language (package brand stores the overrides). An override is plain text
// with the values of the message it replaces ({{.Name}}): no markup, no
// template logic, and no value the original does not have, since the code
// that shows it gives only those.

// MaxOverride is the longest override, in characters.
const MaxOverride = 1000

// Source returns the text of message id in language code (its "other" form
// for a message with plural forms), and whether the catalog has it. The id
// may name one plural form of a message (admin.members.count.one; see
// plural.go).
func (c *Catalog) Source(code, id string) (string, bool) {
	if s, ok := c.source[code][id]; ok {
		return s, ok
	}
	if base, form, ok := c.splitForm(code, id); ok {
		return c.forms[code][base][form], true
	}
	return "", false
}

// Placeholders returns the names of the values a message text uses
// ({{.Name}} gives Name), sorted, or an error when the text is not a
// template of values only (a function, a condition, a range).
func Placeholders(text string) ([]string, error) {
	t, err := template.New("").Parse(text)
	if err != nil {
		return nil, errors.New("the text has a broken placeholder")
	}
	seen := map[string]bool{}
	if t.Tree != nil {
		for _, n := range t.Tree.Root.Nodes {
			switch n := n.(type) {
			case *parse.TextNode:
			case *parse.ActionNode:
				name, ok := fieldOnly(n)
				if !ok {
					return nil, fmt.Errorf("only placeholders like {{.Name}} may be used, not %s", n.String())
				}
				seen[name] = true
			default:
				return nil, fmt.Errorf("only placeholders like {{.Name}} may be used, not %s", n.String())
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

// fieldOnly reports the name of an action that is one field, {{.Name}}.
func fieldOnly(n *parse.ActionNode) (string, bool) {
	if n.Pipe == nil || len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
		return "", false
	}
	f, ok := n.Pipe.Cmds[0].Args[0].(*parse.FieldNode)
	if !ok || len(f.Ident) != 1 {
		return "", false
	}
	return f.Ident[0], true
}

// CheckOverride checks text as an override of message id in language code:
// the catalog has both, the text is at most MaxOverride characters, has no
// markup (< or >) and uses only placeholders the message has. The error says
// what is wrong in words for the person who wrote it; field names which of
// "language", "key" or "text" it is about.
func (c *Catalog) CheckOverride(code, id, text string) (field string, err error) {
	if !c.Has(code) || code == Pseudo {
		return "language", fmt.Errorf("choose one of the languages %s", strings.Join(c.Offered(), ", "))
	}
	src, ok := c.Source(code, id)
	if !ok {
		if i := strings.LastIndexByte(id, '.'); i > 0 {
			if forms := c.PluralForms(code, id[:i]); len(forms) > 0 {
				return "key", fmt.Errorf("the message %s has no plural form %s in this language: it has %s", id[:i], id[i+1:], formsList(forms))
			}
		}
		return "key", errors.New("the catalog has no message with this key")
	}
	if strings.TrimSpace(text) == "" {
		return "text", errors.New("write the text, or remove the override")
	}
	if n := len([]rune(text)); n > MaxOverride {
		return "text", fmt.Errorf("the text has %d characters; at most %d are allowed", n, MaxOverride)
	}
	if strings.ContainsAny(text, "<>") {
		return "text", errors.New("the text may not contain angle brackets (no markup)")
	}
	have, err := Placeholders(text)
	if err != nil {
		return "text", err
	}
	want, _ := Placeholders(src)
	for _, p := range have {
		if !containsString(want, p) {
			return "text", fmt.Errorf("the placeholder {{.%s}} is not one of this message's (%s)", p, placeholderList(want))
		}
	}
	return "", nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func placeholderList(names []string) string {
	if len(names) == 0 {
		return "it has none"
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "{{." + n + "}}"
	}
	return strings.Join(parts, ", ")
}

// With returns the language with an organization's overrides (message id to
// text) in front of the catalog's messages; with none, l itself. Overrides
// that are not valid templates are left out (they were checked when saved).
func (l *Lang) With(over map[string]string) *Lang {
	if len(over) == 0 {
		return l
	}
	ids := make([]string, 0, len(over))
	for id := range over {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	h := sha256.New()
	w := &Lang{cat: l.cat, code: l.code, tag: l.tag, loc: l.loc, over: map[string]*template.Template{}}
	for _, id := range ids {
		t, err := template.New(id).Option("missingkey=zero").Parse(over[id])
		if err != nil {
			continue
		}
		w.over[id] = t
		fmt.Fprintf(h, "%s\x00%s\x00", id, over[id])
	}
	w.key = l.code + "~" + hex.EncodeToString(h.Sum(nil)[:12])
	return w
}

// Key names the language and its overrides: equal keys render equally, so
// that parsed templates can be cached by it. Without overrides it is Code.
func (l *Lang) Key() string {
	if l.key != "" {
		return l.key
	}
	return l.code
}

func execOverride(t *template.Template, data any) (string, bool) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", false
	}
	return b.String(), true
}
