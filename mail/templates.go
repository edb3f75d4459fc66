package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

//go:embed templates
var embedded embed.FS

// Kinds of message with templates, by channel.
var (
	emailKinds = []string{gatehouse.KindReset, gatehouse.KindActivation, gatehouse.KindPasswordChanged, gatehouse.KindCode,
		gatehouse.KindSecurityNotice, gatehouse.KindOwnerInvitation, gatehouse.KindOwnerRecovery,
		gatehouse.KindOwnerRecoveryNotice, gatehouse.KindOperatorActivation, gatehouse.KindEmailChange, gatehouse.KindEmailChangeInUse}
	smsKinds = []string{gatehouse.KindSMSCode, gatehouse.KindMobileCode}
)

// Templates renders every email and text message of Gatehouse from templates
// embedded in the binary. For each email kind K there is K.txt, a text/template
// that defines "subject" and "content", and K.html, an html/template that defines
// "content"; layout.txt and layout.html wrap the content of every email and
// define "layout"; partials.txt and partials.html define pieces that several
// emails share ("where": the address and browser of a change). K.html may use
// every template K.txt defines besides its own, so that sentences shared by
// both bodies (the security notice's) are written once, in K.txt. Each text
// message kind has one K.txt.
//
// Templates receive the gatehouse.MessageData fields (.OrgName, .Link, .Code,
// .ValidFor, ...) and .Subject, and may call duration (30 minutes, 7 days),
// datetime (Monday 2 March 2026 at 09:00 UTC), browser (Firefox on Windows) and
// short (cut a string to n characters).
//
// The zero value uses the embedded templates. The templates are loaded on first
// use, so a Templates must not be copied after it has been used.
type Templates struct {
	// Dir, when set, is a directory whose files replace the embedded files of the
	// same name (reset.txt, layout.html, ...), so that operators can reword or
	// brand messages without rebuilding. Files it lacks come from the binary.
	Dir string
	// Catalog holds the messages the templates use (t, tn); nil is
	// i18n.Default().
	Catalog *i18n.Catalog

	mu    sync.Mutex
	files map[string]string       // the sources, read once
	sets  map[string]*templateSet // by language code
}

var _ gatehouse.Composer = (*Templates)(nil)

type templateSet struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// view is what templates see: the message data and the rendered subject, which
// the HTML layout uses as the document title.
type view struct {
	gatehouse.MessageData
	Subject string
}

// DefaultAccent is Gatehouse's own accent colour of the HTML emails' buttons
// and links.
const DefaultAccent = "#1d4ed8"

// Accent is the colour of the HTML email's buttons and links: the
// organization's accent colour when it passes the check the setting makes
// (a colour as #rrggbb, with a contrast of at least 4.5:1 with white, the
// text on a button, and so also as a link on the white of the email), else
// Gatehouse's own. A value stored before that rule, or set some other way,
// thus never makes a button unreadable.
func (v view) Accent() string {
	c := strings.ToLower(strings.TrimSpace(v.AccentColor))
	if _, ok := gatehouse.ParseColor(c); !ok || gatehouse.ContrastWithWhite(c) < gatehouse.MinContrast {
		return DefaultAccent
	}
	return c
}

// Email renders the subject and bodies of an email of the given kind, in
// d.Language and with times in d.TimeZone.
func (t *Templates) Email(kind string, d gatehouse.MessageData) (subject, text, html string, err error) {
	d = localize(d)
	set, err := t.load(d.Language, d.Texts)
	if err != nil {
		return "", "", "", err
	}
	tt, ok := set.text[kind]
	h := set.html[kind]
	if !ok || h == nil {
		return "", "", "", fmt.Errorf("mail: no email template for kind %q", kind)
	}
	v := view{MessageData: d}
	if subject, err = execText(tt, "subject", v); err != nil {
		return "", "", "", err
	}
	// Collapsing white space keeps the subject on one line whatever the template
	// or a name in it holds.
	v.Subject = strings.Join(strings.Fields(subject), " ")
	if text, err = execText(tt, "layout", v); err != nil {
		return "", "", "", err
	}
	var b bytes.Buffer
	if err := h.ExecuteTemplate(&b, "layout", v); err != nil {
		return "", "", "", fmt.Errorf("mail: rendering %s.html: %w", kind, err)
	}
	return v.Subject, strings.TrimSpace(text) + "\n", b.String(), nil
}

// SMS renders the body of a text message of the given kind on one line, in
// d.Language.
func (t *Templates) SMS(kind string, d gatehouse.MessageData) (string, error) {
	d = localize(d)
	set, err := t.load(d.Language, d.Texts)
	if err != nil {
		return "", err
	}
	tt, ok := set.text[kind]
	if !ok || !isSMS(kind) {
		return "", fmt.Errorf("mail: no text message template for kind %q", kind)
	}
	body, err := execText(tt, kind+".txt", view{MessageData: d})
	if err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(body), " "), nil
}

// Check loads every template and renders it with sample data, so that a broken
// override in Dir stops the server at start-up rather than the first email.
func (t *Templates) Check() error {
	d := gatehouse.MessageData{
		OrgName: "Example", MemberName: "Ada", Username: "ada", Link: "https://example.org/x",
		ValidFor: time.Hour, Code: "123456", At: time.Unix(0, 0), IP: "192.0.2.1",
		UserAgent: "Mozilla/5.0", SupportURL: "https://example.org/forgot-password", AccountURL: "https://example.org/account",
		Changes: []gatehouse.Change{
			{What: gatehouse.ChangeEmail, Old: "a•••@example.org", New: "b•••@example.org"},
			{What: gatehouse.ChangeWorkEmail, New: "c•••@example.org"},
			{What: gatehouse.ChangeMobile, Old: "•••• 0123"},
			{What: gatehouse.ChangeApp, New: "app"},
			{What: gatehouse.ChangeRecoveryCodes, New: "10"},
		},
		By: gatehouse.ByAdministrator,
	}
	for _, lang := range t.catalog().Codes() {
		d.Language = lang
		for _, k := range emailKinds {
			if _, _, _, err := t.Email(k, d); err != nil {
				return err
			}
		}
		for _, k := range smsKinds {
			if _, err := t.SMS(k, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// localize settles d's language (English unless the catalog has it) and
// puts d.At in d.TimeZone, in which datetime writes it.
func localize(d gatehouse.MessageData) gatehouse.MessageData {
	loc := i18n.Zone(d.TimeZone)
	if loc == nil {
		loc = time.UTC
	}
	d.At = d.At.In(loc)
	return d
}

func (t *Templates) catalog() *i18n.Catalog {
	if t.Catalog != nil {
		return t.Catalog
	}
	return i18n.Default()
}

func isSMS(kind string) bool {
	for _, k := range smsKinds {
		if k == kind {
			return true
		}
	}
	return false
}

func execText(t *texttemplate.Template, name string, v view) (string, error) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, v); err != nil {
		return "", fmt.Errorf("mail: rendering %s: %w", t.Name(), err)
	}
	return b.String(), nil
}

// maxSets bounds the parsed sets kept: one per language, and one per
// language and version of an organization's own texts.
const maxSets = 64

// load returns the templates parsed for a language with an organization's
// own texts (nil for none), parsing them the first time they are asked for.
func (t *Templates) load(code string, texts map[string]string) (*templateSet, error) {
	lang := t.catalog().Lang(code).With(texts)
	t.mu.Lock()
	defer t.mu.Unlock()
	if set := t.sets[lang.Key()]; set != nil {
		return set, nil
	}
	if len(t.sets) > maxSets {
		// Forget the sets with texts; those still in use are parsed again.
		for k := range t.sets {
			if k != t.catalog().Lang(k).Code() {
				delete(t.sets, k)
			}
		}
	}
	if t.files == nil {
		files, err := readAll(t.Dir)
		if err != nil {
			return nil, err
		}
		t.files = files
	}
	set, err := parseAll(t.files, lang)
	if err != nil {
		return nil, err
	}
	if t.sets == nil {
		t.sets = map[string]*templateSet{}
	}
	t.sets[lang.Key()] = set
	return set, nil
}

// readAll reads every template: the embedded one, or the file of the same
// name in dir when there is one.
func readAll(dir string) (map[string]string, error) {
	names := []string{"layout.txt", "layout.html", "partials.txt", "partials.html"}
	for _, k := range emailKinds {
		names = append(names, k+".txt", k+".html")
	}
	for _, k := range smsKinds {
		names = append(names, k+".txt")
	}
	files := map[string]string{}
	for _, name := range names {
		if dir != "" {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err == nil {
				files[name] = string(b)
				continue
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("mail: reading template override: %w", err)
			}
		}
		b, err := embedded.ReadFile("templates/" + name)
		if err != nil {
			return nil, err
		}
		files[name] = string(b)
	}
	return files, nil
}

func parseAll(files map[string]string, lang *i18n.Lang) (*templateSet, error) {
	read := func(name string) (string, error) { return files[name], nil }
	textFuncs, htmlFuncs := funcsFor(lang)
	set := &templateSet{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	layoutText, err := read("layout.txt")
	if err != nil {
		return nil, err
	}
	layoutHTML, err := read("layout.html")
	if err != nil {
		return nil, err
	}
	partialsText, err := read("partials.txt")
	if err != nil {
		return nil, err
	}
	partialsHTML, err := read("partials.html")
	if err != nil {
		return nil, err
	}
	for _, k := range emailKinds {
		src, err := read(k + ".txt")
		if err != nil {
			return nil, err
		}
		tt, err := texttemplate.New(k + ".txt").Funcs(textFuncs).Parse(layoutText)
		for _, more := range []string{partialsText, src} {
			if err == nil {
				_, err = tt.Parse(more)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("mail: parsing %s.txt: %w", k, err)
		}
		if tt.Lookup("subject") == nil || tt.Lookup("content") == nil {
			return nil, fmt.Errorf("mail: %s.txt must define \"subject\" and \"content\"", k)
		}
		set.text[k] = tt
		txt := src
		if src, err = read(k + ".html"); err != nil {
			return nil, err
		}
		// The HTML template sees the definitions of the kind's text template too,
		// so that sentences are written once; its own "content" replaces the
		// plain-text one.
		ht, err := htmltemplate.New(k + ".html").Funcs(htmlFuncs).Parse(layoutHTML)
		for _, more := range []string{partialsHTML, txt, src} {
			if err == nil {
				_, err = ht.Parse(more)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("mail: parsing %s.html: %w", k, err)
		}
		set.html[k] = ht
	}
	for _, k := range smsKinds {
		src, err := read(k + ".txt")
		if err != nil {
			return nil, err
		}
		tt, err := texttemplate.New(k + ".txt").Funcs(textFuncs).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("mail: parsing %s.txt: %w", k, err)
		}
		set.text[k] = tt
	}
	return set, nil
}
