package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/gatehouse-auth/gatehouse"
)

// TestEveryMessageOfTheCodeIsInTheCatalog ties the English that use cases and
// handlers write for people (the client-safe Message of gatehouse.Errorf and
// of FieldError) to the catalog. Pages and problem details translate those
// texts by their English (Lang.Tr), so rewording one in the code without its
// message would silently leave it English in every language; this test fails
// instead. Each format verb (%d, %s, %q) stands for a value, as the
// catalog's {{.Name}} does.
//
// Messages that only reach the log (the storage layer's) are held to it too:
// an error of the store can be passed on to a page or an API answer.
func TestEveryMessageOfTheCodeIsInTheCatalog(t *testing.T) {
	xa := WithPseudo().Lang(Pseudo)
	for _, m := range codeMessages(t, "..") {
		text := formatVerb.ReplaceAllString(m.text, "7")
		if !strings.Contains(xa.Tr(text), PseudoOpen) {
			t.Errorf("%s: %q has no message in the catalog (i18n/locales/*.toml): it would stay English in every language", m.at, m.text)
		}
	}
}

var formatVerb = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

type codeMessage struct{ at, text string }

// codeMessages finds the literal messages of the repository's Go code (tests
// and commands left out): the format of gatehouse.Errorf (Errorf inside
// package gatehouse) and every Message: field.
func codeMessages(t *testing.T, root string) []codeMessage {
	t.Helper()
	var out []codeMessage
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "gatehousetest" || d.Name() == "cmd") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var lit ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				if len(n.Args) >= 3 && isErrorf(n.Fun, f.Name.Name) {
					lit = n.Args[2]
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Message" {
					lit = n.Value
				}
			}
			if b, ok := lit.(*ast.BasicLit); ok && b.Kind == token.STRING {
				// A bare format ("%s") passes on a text made elsewhere.
				if s, err := strconv.Unquote(b.Value); err == nil && strings.ContainsFunc(formatVerb.ReplaceAllString(s, ""), unicode.IsLetter) {
					out = append(out, codeMessage{at: fset.Position(b.Pos()).String(), text: s})
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("found only %d messages: the walk of the code is broken", len(out))
	}
	return out
}

func isErrorf(fun ast.Expr, pkg string) bool {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && x.Name == "gatehouse" && f.Sel.Name == "Errorf"
	case *ast.Ident:
		return pkg == "gatehouse" && f.Name == "Errorf"
	}
	return false
}

// TestEverySettingRefusalIsInTheCatalog ties the refusals of a setting's
// value to the catalog. Settings.Set writes them as the setting's label and
// the message of its kind (settings_kinds.go), which no literal of the code
// holds whole; so every setting is given values of every wrong sort, and
// each refusal must come out of the pseudo-locale with no English left but
// the values themselves (numbers, durations as the API writes them, the
// allowed values). Every "must ..." message of settings_kinds.go must be met
// on the way, so that a new one cannot hide from the test.
func TestEverySettingRefusalIsInTheCatalog(t *testing.T) {
	xa := WithPseudo().Lang(Pseudo)
	bad := []string{"", "x", "-1", "99999999999", "0s", "1s", "9999d", "maybe", "a\x01b", strings.Repeat("a", 5000), "Name <a@example.com>", "#ffff00"}
	// A refused value is quoted back as given, or a list's value lower-cased.
	var values []string
	for _, v := range bad {
		values = append(values, strconv.Quote(v))
		for _, x := range gatehouse.ListValues(v) {
			values = append(values, strconv.Quote(x))
		}
	}
	var seen []string
	reported := map[string]bool{}
	check := func(name, msg string, known []string) {
		t.Helper()
		seen = append(seen, msg)
		if reported[msg] {
			return
		}
		reported[msg] = true
		got := xa.Tr(msg)
		if !strings.Contains(got, PseudoOpen) {
			t.Errorf("%s: %q has no message in the catalog", name, msg)
			return
		}
		if left := Untranslated(got, known...); len(left) > 0 {
			t.Errorf("%s: %q keeps English in the pseudo-locale: %q", name, msg, left)
		}
	}
	for _, d := range gatehouse.SettingDefs {
		known := append([]string{gatehouse.FormatDuration(d.MinDur), gatehouse.FormatDuration(d.MaxDur), "1m"}, values...)
		for _, e := range d.Enum {
			known = append(known, strconv.Quote(e))
		}
		for _, v := range bad {
			s := gatehouse.DefaultSettings()
			if fe := s.Set(d.Name, v); fe != nil {
				check(d.Name, fe.Message, known)
			}
		}
	}
	s := gatehouse.DefaultSettings()
	check("an unknown setting", s.Set("no_such_setting", "1").Message, []string{`"no_such_setting"`})

	for _, frag := range settingRefusals(t, "../settings_kinds.go", "../settings_list.go", "../settings_look.go") {
		parts := formatVerb.Split(frag, -1)
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		re := regexp.MustCompile("^.+ " + strings.Join(parts, ".+") + `\.$`)
		met := false
		for _, msg := range seen {
			met = met || re.MatchString(msg)
		}
		if !met {
			t.Errorf("no value was refused with %q: give the test a value that is", frag)
		}
	}
}

// settingRefusals returns the refusals of the setting kinds: the literal
// texts of files that begin "must " or "has " (a setting "must be ...",
// "has a contrast ..."), the formats of their errors.
func settingRefusals(t *testing.T, files ...string) []string {
	t.Helper()
	var out []string
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if b, ok := n.(*ast.BasicLit); ok && b.Kind == token.STRING {
				if s, err := strconv.Unquote(b.Value); err == nil && (strings.HasPrefix(s, "must ") || strings.HasPrefix(s, "has ")) {
					out = append(out, s)
				}
			}
			return true
		})
	}
	if len(out) < 10 {
		t.Fatalf("found only %d refusals in %s: the walk is broken", len(out), files)
	}
	return out
}
