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
