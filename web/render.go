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
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds, for each language, one parsed template set per page: the
// shared layout and partials plus the page's own file, with the language's
// functions (t, tn, tr, thtml, lang). English is parsed when the server
// starts, so that a broken template stops it; the other languages when a page
// is first shown in them.
type pages struct {
	partials, files []pageFile
	mu              sync.Mutex
	byLang          map[string]map[string]*template.Template
}

// maxPageSets bounds the parsed sets kept: one per language, and one per
// language and version of an organization's own texts.
const maxPageSets = 64

// pageFile is a template's name and source.
type pageFile struct{ name, src string }

var funcs = template.FuncMap{
	"when": func(t time.Time) string { return timeMarker('w', t) },
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return timeMarker('d', t)
	},
	"join": strings.Join,
	"fieldArgs": func(name, label, typ, value, autocomplete, err, hint string, required, autofocus bool) fieldSpec {
		return fieldSpec{Name: name, Label: label, Type: typ, Value: value, Autocomplete: autocomplete, Err: err, Hint: hint,
			Required: required, Autofocus: autofocus}
	},
	// fieldArgsList is a text field with suggestions from a datalist.
	"fieldArgsList": func(name, label, value, err, hint, list string) fieldSpec {
		return fieldSpec{Name: name, Label: label, Type: "text", Value: value, Err: err, Hint: hint, List: list, Autocomplete: "off"}
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
	List                                                         string // the id of a datalist of suggestions
	Required, Autofocus                                          bool
	Min, Max                                                     int
	Meter                                                        int // minimum length, for the strength meter
}

// loadPages reads the embedded templates; files of the same name in dir (when
// set) replace them, so operators can brand pages without rebuilding. It
// parses them for English (lang).
func loadPages(dir string, english *i18n.Lang) (*pages, error) {
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
	p := &pages{byLang: map[string]map[string]*template.Template{}}
	for _, e := range entries {
		b, err := read(e.Name())
		if err != nil {
			return nil, err
		}
		f := pageFile{e.Name(), string(b)}
		if strings.HasPrefix(f.name, "_") {
			p.partials = append(p.partials, f)
		} else {
			p.files = append(p.files, f)
		}
	}
	if _, err := p.parse(english); err != nil {
		return nil, err
	}
	return p, nil
}

// page returns the template of page name in lang.
func (p *pages) page(lang *i18n.Lang, name string) (*template.Template, error) {
	p.mu.Lock()
	set := p.byLang[lang.Key()]
	p.mu.Unlock()
	if set == nil {
		var err error
		if set, err = p.parse(lang); err != nil {
			return nil, err
		}
	}
	t, ok := set[name]
	if !ok {
		return nil, fmt.Errorf("web: no template %s", name)
	}
	return t, nil
}

func (p *pages) parse(lang *i18n.Lang) (map[string]*template.Template, error) {
	base := template.New("").Funcs(funcs).Funcs(langFuncs(lang))
	for _, f := range p.partials {
		if _, err := base.New(f.name).Parse(f.src); err != nil {
			return nil, fmt.Errorf("parsing template %s: %w", f.name, err)
		}
	}
	set := map[string]*template.Template{}
	for _, f := range p.files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.New(f.name).Parse(f.src); err != nil {
			return nil, fmt.Errorf("parsing template %s: %w", f.name, err)
		}
		set[strings.TrimSuffix(f.name, ".html")] = t
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev := p.byLang[lang.Key()]; prev != nil {
		return prev, nil // parsed meanwhile by another request
	}
	if lang.Key() != lang.Code() && len(p.byLang) > maxPageSets {
		// Sets with an organization's texts: forget them all (those still in
		// use are parsed again) rather than keep every version ever seen.
		for k := range p.byLang {
			if strings.Contains(k, "~") {
				delete(p.byLang, k)
			}
		}
	}
	p.byLang[lang.Key()] = set
	return set, nil
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
	Path   string            // the page's path and query, where the language switch returns
	Logo   string            // the organization's logo, when it has one (brand_serve.go)
	Style  string            // the style sheet of its accent colour, when it has one
	// orgMessage, when set, is the catalog message that names the site in
	// the header and the title instead of the organization (the service
	// desk's console is nobody's organization).
	orgMessage string
	// refused, when above 0, is how many values of the form were refused:
	// Error becomes the catalog's plural message errorCounted says, in the
	// page's language (an English text cannot say which plural form it was).
	refused     int
	refusedText string
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

// render writes page name with status in the page's language (locales.lang)
// and time zone. Rendering goes to a buffer first so that a template error
// becomes a clean 500, not half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, st int, name string, v *view) {
	var set *gatehouse.Settings
	if got, err := s.Account.Settings(r.Context(), s.orgID(r)); err == nil {
		set = &got
	}
	if v.Org == "" {
		v.Org = "Gatehouse"
		if set != nil {
			v.Org = set.BrandName()
		}
	}
	if r.Method == http.MethodGet {
		v.Path = r.URL.RequestURI()
	}
	texts := s.pageBrand(r, v, set)
	lang := s.locales.lang(r, s.cookies, v.Member, set)
	lang = lang.With(texts[lang.Code()])
	s.locales.translate(v, lang)
	t, err := s.pages.page(lang, name)
	if err != nil {
		panic(err.Error())
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name+".html", v); err != nil {
		s.Log.ErrorContext(r.Context(), "rendering a page", "page", name, "lang", lang.Code(), "err", err)
		http.Error(w, lang.T("layout.something_wrong"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", lang.Code())
	w.WriteHeader(st)
	_, _ = w.Write(localTimes(buf.Bytes(), lang, s.locales.zone(v.Member, set)))
}

// renderError answers with a plain error page, or problem details on the API
// and the OpenID Connect endpoints that applications, not browsers, call.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, st int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") || machinePaths[r.URL.Path] {
		writeProblem(w, r, Problem{Type: "about:blank", Title: http.StatusText(st), Status: st, Detail: msg})
		return
	}
	s.render(w, r, st, "error", &view{Title: http.StatusText(st), Error: msg, Data: st})
}

// machinePaths are the OpenID Connect endpoints applications' servers and
// scripts call: they read JSON, never a page.
var machinePaths = map[string]bool{"/.well-known/openid-configuration": true, "/oidc/jwks": true,
	"/oidc/token": true, "/oidc/userinfo": true, "/oidc/revoke": true}

// static serves the embedded CSS and scripts.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.FileServerFS(staticFS).ServeHTTP(w, r)
}

// describeDevice turns a user agent into words people recognise ("Firefox on
// Windows") in lang; unknown agents are shown shortened.
func describeDevice(lang *i18n.Lang, ua string) string {
	if ua == "" {
		return lang.T("device.unknown")
	}
	browser := ""
	for _, b := range []struct{ key, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
		{"HeadlessChrome/", lang.T("device.headless")}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
		{"Go-http-client", lang.T("device.go")},
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
		return lang.T("device.on", "Browser", browser, "System", osName)
	case browser != "":
		return browser
	case osName != "":
		return lang.T("device.browser_on", "System", osName)
	}
	if len(ua) > 40 {
		return ua[:40] + "…"
	}
	return ua
}
