package gatehouse

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The tests of this file read the source tree (go/parser, no build) and hold
// the layout of docs/architecture.md: which package may import which, and how
// large an interface, a type or a file may grow.

const modulePath = "github.com/gatehouse-auth/gatehouse"

// sourceFile is one .go file of the module.
type sourceFile struct {
	path    string // slash-separated, relative to the module root
	dir     string // its package's directory: "." for the root package
	test    bool
	lines   int
	ast     *ast.File
	imports []string
}

// sourceFiles parses every .go file of the module, skipping testdata and
// hidden directories (which the go command ignores too).
func sourceFiles(t *testing.T) []sourceFile {
	t.Helper()
	fset := token.NewFileSet()
	var files []sourceFile
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		sf := sourceFile{
			path: filepath.ToSlash(p), dir: filepath.ToSlash(filepath.Dir(p)),
			test: strings.HasSuffix(name, "_test.go"), ast: f,
			lines: fset.Position(f.FileEnd).Line,
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			sf.imports = append(sf.imports, path)
		}
		files = append(files, sf)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("only %d Go files found: is the test running in the module root?", len(files))
	}
	return files
}

// standard reports whether an import path is of the standard library: its
// first element has no dot.
func standard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// within reports whether the module-relative directory dir is pkg or below it.
func within(dir, pkg string) bool { return dir == pkg || strings.HasPrefix(dir, pkg+"/") }

// internalPath returns the module-relative directory of an import of this
// module ("." for the root), or ok=false.
func internalPath(imp string) (string, bool) {
	if imp == modulePath {
		return ".", true
	}
	rest, ok := strings.CutPrefix(imp, modulePath+"/")
	return rest, ok
}

// importRules are the dependencies docs/architecture.md forbids. A rule
// applies to the files it selects and names, for each import, why it is
// forbidden ("" when allowed).
var importRules = []struct {
	name    string
	applies func(f sourceFile) bool
	forbids func(f sourceFile, dir string, imp string) string
}{
	{
		name:    "the domain imports only the standard library",
		applies: func(f sourceFile) bool { return f.dir == "." && !f.test },
		forbids: func(_ sourceFile, _ string, imp string) string {
			if !standard(imp) {
				return "the root package is the domain: standard library only"
			}
			return ""
		},
	},
	{
		name:    "web never imports the stores or the transports",
		applies: func(f sourceFile) bool { return within(f.dir, "web") && !f.test },
		forbids: func(_ sourceFile, dir string, _ string) string {
			for _, edge := range []string{"sqlstore", "redisstore", "mail", "sms"} {
				if within(dir, edge) {
					return "web calls use cases; only the wiring (cmd/, app/) knows " + edge
				}
			}
			return ""
		},
	},
	{
		name:    "nothing imports a command",
		applies: func(f sourceFile) bool { return true },
		forbids: func(f sourceFile, dir string, _ string) string {
			if within(dir, "cmd") && dir != f.dir {
				return "commands are the outermost ring: move what is shared into a package"
			}
			return ""
		},
	},
	{
		name: "only the edges import web",
		applies: func(f sourceFile) bool {
			return !f.test && !within(f.dir, "web") && !within(f.dir, "cmd") && !within(f.dir, "app") && !within(f.dir, "gatehousetest")
		},
		forbids: func(_ sourceFile, dir string, _ string) string {
			if within(dir, "web") {
				return "use cases and stores never depend on the HTTP layer"
			}
			return ""
		},
	},
	{
		name:    "the shared steps reach into no feature",
		applies: func(f sourceFile) bool { return !f.test && (within(f.dir, "account") || within(f.dir, "session")) },
		forbids: func(_ sourceFile, dir string, _ string) string {
			for _, feature := range []string{"signin", "twofactor", "recovery", "admin", "passkey", "profile", "oidc", "org", "operator"} {
				if within(dir, feature) {
					return "account and session hold the steps features share; a feature calls them, never the other way (" + feature + ")"
				}
			}
			return ""
		},
	},
	{
		name:    "the second factors do not call the sign-in",
		applies: func(f sourceFile) bool { return !f.test && within(f.dir, "twofactor") },
		forbids: func(_ sourceFile, dir string, _ string) string {
			if within(dir, "signin") {
				return "signin uses twofactor's checks; twofactor never reaches back into signin"
			}
			return ""
		},
	},
}

// TestImportRules holds the layering of docs/architecture.md. A failure names
// the file, the forbidden import and the rule.
func TestImportRules(t *testing.T) {
	files := sourceFiles(t)
	for _, rule := range importRules {
		t.Run(rule.name, func(t *testing.T) {
			checked := 0
			for _, f := range files {
				if !rule.applies(f) {
					continue
				}
				checked++
				for _, imp := range f.imports {
					dir, ok := internalPath(imp)
					if !ok {
						dir = ""
					}
					if why := rule.forbids(f, dir, imp); why != "" {
						t.Errorf("%s imports %s: %s", f.path, imp, why)
					}
				}
			}
			if checked == 0 {
				t.Errorf("the rule applies to no file")
			}
		})
	}
}

// Sizes that keep a unit readable in one sitting (issue 11).
const (
	maxInterfaceMethods = 15
	maxTypeMethods      = 40
	maxFileLines        = 400
)

// sizeExempt are files allowed to be long for a reason that will not change.
var sizeExempt = map[string]string{
	"secret/blamka.go": "the unrolled argon2 rounds",
}

// knownOversize were the offenders on main when this test came (the wide
// gatehouse.Store and account.Service, split by issue 11 into feature
// packages). It is empty now and stays so: an entry that is no longer too
// large fails the test until it is removed, and nothing may be added to it.
var knownOversize = map[string]bool{}

// TestSizes: no interface over maxInterfaceMethods methods, no type with more
// than maxTypeMethods declared methods (test files included: a fake is a type
// too), no non-test file over maxFileLines lines.
func TestSizes(t *testing.T) {
	files := sourceFiles(t)
	found := map[string]string{} // offender -> description
	methods := map[typeKey]int{}
	ifaces := map[typeKey]*ast.InterfaceType{}
	for _, f := range files {
		pkg := f.ast.Name.Name
		if !f.test && f.lines > maxFileLines && sizeExempt[f.path] == "" && !ast.IsGenerated(f.ast) {
			found["file "+f.path] = strconv.Itoa(f.lines) + " lines"
		}
		for _, d := range f.ast.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && len(d.Recv.List) == 1 {
					methods[typeKey{f.dir, pkg, receiverName(d.Recv.List[0].Type)}]++
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if it, ok := ts.Type.(*ast.InterfaceType); ok {
							ifaces[typeKey{f.dir, pkg, ts.Name.Name}] = it
						}
					}
				}
			}
		}
	}
	for k, n := range methods {
		if n > maxTypeMethods {
			found["type "+k.pkg+"."+k.name] = strconv.Itoa(n) + " methods (" + k.dir + ")"
		}
	}
	for k := range ifaces {
		if n := interfaceMethods(k.dir, k.pkg, k.name, ifaces, map[string]bool{}); n > maxInterfaceMethods {
			found["interface "+k.pkg+"."+k.name] = strconv.Itoa(n) + " methods (" + k.dir + ")"
		}
	}
	var names []string
	for name := range found {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !knownOversize[name] {
			t.Errorf("%s is too large: %s (limits: interface %d methods, type %d, file %d lines; see docs/architecture.md)",
				name, found[name], maxInterfaceMethods, maxTypeMethods, maxFileLines)
		}
	}
	for name := range knownOversize {
		if _, ok := found[name]; !ok {
			t.Errorf("%s is no longer too large: remove it from knownOversize", name)
		}
	}
}

// typeKey names a type: its package's directory and name, and its own name.
type typeKey struct{ dir, pkg, name string }

// receiverName returns the type name of a method's receiver: T for T, *T,
// T[P] and *T[P].
func receiverName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// interfaceMethods counts the methods of an interface, those of interfaces it
// embeds from its own package included; an interface embedded from another
// package counts as one.
func interfaceMethods(dir, pkg, name string, ifaces map[typeKey]*ast.InterfaceType, seen map[string]bool) int {
	if seen[name] {
		return 0
	}
	seen[name] = true
	it := ifaces[typeKey{dir, pkg, name}]
	if it == nil {
		return 1
	}
	n := 0
	for _, m := range it.Methods.List {
		switch x := m.Type.(type) {
		case *ast.FuncType:
			n += len(m.Names)
		case *ast.Ident:
			n += interfaceMethods(dir, pkg, x.Name, ifaces, seen)
		default:
			n++ // a qualified embedded interface or a type constraint
		}
	}
	return n
}
