package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one parsed template set per page: the shared layout and partials
// plus the page's own file.
type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2 Jan 2006, 15:04 UTC")
	},
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"device": describeDevice,
	"join":   strings.Join,
	"fieldArgs": func(name, label, typ, value, autocomplete, err, hint string, required, autofocus bool) fieldSpec {
		return fieldSpec{Name: name, Label: label, Type: typ, Value: value, Autocomplete: autocomplete, Err: err, Hint: hint,
			Required: required, Autofocus: autofocus}
	},
	// fieldArgsMeter is a new-password field with the strength meter.
	"fieldArgsMeter": func(name, label, err, hint string, min, max int, autofocus bool) fieldSpec {
		return fieldSpec{Name: name, Label: label, Type: "password", Autocomplete: "new-password", Err: err, Hint: hint,
			Required: true, Autofocus: autofocus, Max: max, Meter: min}
	},
}

// fieldSpec is what the "field" template renders.
type fieldSpec struct {
	Name, Label, Type, Value, Autocomplete, Err, Hint, Inputmode string
	Required, Autofocus                                          bool
	Min, Max                                                     int
	Meter                                                        int // minimum length, for the strength meter
}

// loadPages parses the embedded templates; files of the same name in dir (when
// set) replace them, so operators can brand pages without rebuilding.
func loadPages(dir string) (*pages, error) {
	var src fs.FS = templateFS
	read := func(name string) ([]byte, error) {
		if dir != "" {
			if b, err := os.ReadFile(path.Join(dir, name)); err == nil {
				return b, nil
			}
		}
		return fs.ReadFile(src, "templates/"+name)
	}
	entries, err := fs.ReadDir(src, "templates")
	if err != nil {
		return nil, err
	}
	base := template.New("").Funcs(funcs)
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "_") {
			b, err := read(n)
			if err != nil {
				return nil, err
			}
			if _, err := base.New(n).Parse(string(b)); err != nil {
				return nil, fmt.Errorf("parsing template %s: %w", n, err)
			}
			continue
		}
		names = append(names, n)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		b, err := read(n)
		if err != nil {
			return nil, err
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.New(n).Parse(string(b)); err != nil {
			return nil, fmt.Errorf("parsing template %s: %w", n, err)
		}
		p.byName[strings.TrimSuffix(n, ".html")] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	Title  string
	Org    string
	Member *gatehouse.Member // the signed-in member, if any
	CSRF   string
	Notice string            // a success message
	Error  string            // a message about the whole form
	Fields map[string]string // a message per field
	Form   map[string]string // values to show again
	Data   any               // page-specific
	// order is the order in which fieldErrors met the fields: the use cases
	// name them in the order of the forms, and so does the summary.
	order []string
}

// fieldMessage is one line of the summary of a refused form.
type fieldMessage struct{ Field, Message string }

// FieldList returns the field messages for the summary at the top of a
// refused form: in the order of the refusal, then any others by name.
func (v *view) FieldList() []fieldMessage {
	out := make([]fieldMessage, 0, len(v.Fields))
	seen := map[string]bool{}
	for _, f := range v.order {
		if msg, ok := v.Fields[f]; ok && !seen[f] {
			seen[f] = true
			out = append(out, fieldMessage{f, msg})
		}
	}
	rest := make([]string, 0, len(v.Fields))
	for f := range v.Fields {
		if !seen[f] {
			rest = append(rest, f)
		}
	}
	sort.Strings(rest)
	for _, f := range rest {
		out = append(out, fieldMessage{f, v.Fields[f]})
	}
	return out
}

// fieldErrors fills v from a domain error: field messages next to their fields,
// the rest at the top of the form.
func (v *view) fieldErrors(err error, msg string) {
	if v.Fields == nil {
		v.Fields = map[string]string{}
	}
	if fs := gatehouse.ErrorFields(err); len(fs) > 0 {
		for _, f := range fs {
			v.order = append(v.order, f.Field)
			if prev := v.Fields[f.Field]; prev != "" {
				v.Fields[f.Field] = prev + " " + f.Message
			} else {
				v.Fields[f.Field] = f.Message
			}
		}
		v.Error = "Please correct the fields marked below."
		return
	}
	v.Error = msg
}

// render writes page name with status. Rendering goes to a buffer first so that
// a template error becomes a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, st int, name string, v *view) {
	t, ok := s.pages.byName[name]
	if !ok {
		panic("web: no template " + name)
	}
	if v.Org == "" {
		v.Org = s.orgName(r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name+".html", v); err != nil {
		s.Log.ErrorContext(r.Context(), "rendering a page", "page", name, "err", err)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(st)
	_, _ = w.Write(buf.Bytes())
}

// renderError answers with a plain error page, or problem details on the API.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, st int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeProblem(w, Problem{Type: "about:blank", Title: http.StatusText(st), Status: st, Detail: msg})
		return
	}
	s.render(w, r, st, "error", &view{Title: http.StatusText(st), Org: "Gatehouse", Error: msg, Data: st})
}

// orgName returns the organization's name for page headers.
func (s *Server) orgName(r *http.Request) string {
	set, err := s.Account.Settings(r.Context(), s.orgID(r))
	if err != nil {
		return "Gatehouse"
	}
	return set.OrganizationName
}

// static serves the embedded CSS and scripts.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.FileServerFS(staticFS).ServeHTTP(w, r)
}

// describeDevice turns a user agent into words people recognise ("Firefox on
// Windows"); unknown agents are shown shortened.
func describeDevice(ua string) string {
	if ua == "" {
		return "Unknown device"
	}
	browser := ""
	for _, b := range []struct{ key, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
		{"HeadlessChrome/", "Headless Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
		{"Go-http-client", "Go program"},
	} {
		if strings.Contains(ua, b.key) {
			browser = b.name
			break
		}
	}
	osName := ""
	for _, o := range []struct{ key, name string }{
		{"Windows", "Windows"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.key) {
			osName = o.name
			break
		}
	}
	switch {
	case browser != "" && osName != "":
		return browser + " on " + osName
	case browser != "":
		return browser
	case osName != "":
		return "A browser on " + osName
	}
	if len(ua) > 40 {
		return ua[:40] + "…"
	}
	return ua
}
