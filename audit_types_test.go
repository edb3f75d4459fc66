package gatehouse

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

// TestEventTypesComplete reads the EventType constants from audit.go and
// checks that EventTypes lists each of them once.
func TestEventTypesComplete(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "audit.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[EventType]int{}
	for _, e := range EventTypes {
		listed[e]++
	}
	n := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "EventType" {
				continue
			}
			for _, v := range vs.Values {
				lit := v.(*ast.BasicLit)
				typ := EventType(lit.Value[1 : len(lit.Value)-1])
				n++
				if listed[typ] != 1 {
					t.Errorf("%s is listed %d times in EventTypes, want once", typ, listed[typ])
				}
			}
		}
	}
	if n != len(EventTypes) || n < 40 {
		t.Errorf("audit.go declares %d event types, EventTypes lists %d", n, len(EventTypes))
	}
}
