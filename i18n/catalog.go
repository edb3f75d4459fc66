// Package i18n holds Gatehouse's translations: the catalog of messages in
// every language it speaks (TOML files embedded from locales/), the choice of
// a language for a request or a recipient, and the formatting of times and
// durations in a language and a time zone.
//
// Messages have stable ids ("login.title"); each language's file holds the
// same ids (TestEveryKeyInEveryLanguage). Texts are go-i18n messages: Go
// text/template syntax for values ({{.Name}}) and CLDR plural forms (one,
// other, ...) where a number is involved.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var localeFS embed.FS

// Pseudo is the pseudo-locale: English with every message wrapped in
// PseudoOpen and PseudoClose, so that a test can find text that does not come
// from the catalog. Only a catalog made with Options.Pseudo offers it.
const (
	Pseudo      = "en-XA"
	PseudoOpen  = "⟦"
	PseudoClose = "⟧"
)

// English is the language of last resort and of the catalog's ids' source.
const English = "en"

// Catalog is every message in every language. It is immutable once built and
// safe for concurrent use.
type Catalog struct {
	bundle  *goi18n.Bundle
	langs   map[string]*Lang // by code
	codes   []string         // offered languages, English first
	tags    []language.Tag   // the same, for matching
	matcher language.Matcher
	ids     map[string][]string // ids by language code, sorted
	reverse *reverseIndex       // English text to id
	plural  map[string]bool     // ids of messages with plural forms
	// source is each message's text (its "other" form) by language and id,
	// against which an organization's override is checked (overrides.go).
	source map[string]map[string]string
	// forms are the plural forms of each message that has them, by language,
	// id and form ("one", "other"): what the language's file gives, which
	// TestEveryKeyInEveryLanguage holds to what its CLDR rules need.
	forms map[string]map[string]map[string]string
}

// Options choose what a catalog offers.
type Options struct {
	// Pseudo adds the pseudo-locale en-XA (for tests only).
	Pseudo bool
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	pseudoOnce  sync.Once
	pseudoCat   *Catalog
)

// Default returns the catalog of the embedded languages, built once: it is
// immutable data from the binary, like the embedded templates.
func Default() *Catalog {
	defaultOnce.Do(func() { defaultCat = mustNew(Options{}) })
	return defaultCat
}

// WithPseudo returns the embedded catalog with the pseudo-locale added.
func WithPseudo() *Catalog {
	pseudoOnce.Do(func() { pseudoCat = mustNew(Options{Pseudo: true}) })
	return pseudoCat
}

func mustNew(o Options) *Catalog {
	c, err := New(localeFS, o)
	if err != nil {
		panic("i18n: the embedded catalog is broken: " + err.Error())
	}
	return c
}

// New builds a catalog from the files locales/<code>.toml of fsys. English
// (en.toml) is required and comes first.
func New(fsys fs.FS, o Options) (*Catalog, error) {
	paths, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	c := &Catalog{bundle: goi18n.NewBundle(language.English), langs: map[string]*Lang{}, ids: map[string][]string{},
		source: map[string]map[string]string{}, forms: map[string]map[string]map[string]string{}}
	c.bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	var english []*goi18n.Message
	for _, p := range paths {
		code := strings.TrimSuffix(strings.TrimPrefix(p, "locales/"), ".toml")
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		f, err := c.bundle.ParseMessageFileBytes(b, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", p, err)
		}
		if f.Tag.String() != code {
			return nil, fmt.Errorf("i18n: %s: %q is not a language tag as Gatehouse writes it (want %s)", p, code, f.Tag)
		}
		ids := make([]string, 0, len(f.Messages))
		c.source[code] = make(map[string]string, len(f.Messages))
		c.forms[code] = map[string]map[string]string{}
		for _, m := range f.Messages {
			ids = append(ids, m.ID)
			c.source[code][m.ID] = m.Other
			if fs := pluralForms(m); fs != nil {
				c.forms[code][m.ID] = fs
			}
		}
		sort.Strings(ids)
		c.ids[code] = ids
		if code == English {
			english = f.Messages
			c.plural = map[string]bool{}
			for _, m := range f.Messages {
				if m.One != "" {
					c.plural[m.ID] = true
				}
			}
		} else {
			c.codes = append(c.codes, code)
		}
	}
	if english == nil {
		return nil, fmt.Errorf("i18n: no locales/%s.toml", English)
	}
	// A language whose rules have one form (Indonesian) gives a message with
	// plural forms as its "other" only: it still has that form.
	for code, forms := range c.forms {
		for id := range c.plural {
			if src, ok := c.source[code][id]; ok && forms[id] == nil {
				forms[id] = map[string]string{"other": src}
			}
		}
	}
	sort.Strings(c.codes)
	c.codes = append([]string{English}, c.codes...)
	if o.Pseudo {
		xa := language.MustParse(Pseudo)
		for _, m := range english {
			w := *m
			for _, form := range []*string{&w.Zero, &w.One, &w.Two, &w.Few, &w.Many, &w.Other} {
				if *form != "" {
					*form = PseudoOpen + *form + PseudoClose
				}
			}
			if err := c.bundle.AddMessages(xa, &w); err != nil {
				return nil, err
			}
		}
		c.codes = append(c.codes, Pseudo)
		c.ids[Pseudo] = c.ids[English]
		c.forms[Pseudo] = c.forms[English]
	}
	for _, code := range c.codes {
		tag := language.MustParse(code)
		c.tags = append(c.tags, tag)
		c.langs[code] = &Lang{cat: c, code: code, tag: tag, loc: goi18n.NewLocalizer(c.bundle, code)}
	}
	c.matcher = language.NewMatcher(c.tags)
	if c.reverse, err = newReverseIndex(english); err != nil {
		return nil, err
	}
	return c, nil
}

// Codes returns the codes of the languages the catalog offers, English first
// (the pseudo-locale last, when offered).
func (c *Catalog) Codes() []string { return append([]string(nil), c.codes...) }

// IDs returns the message ids of a language's file, sorted.
func (c *Catalog) IDs(code string) []string { return append([]string(nil), c.ids[code]...) }

// Lang returns the language with the code, or English when the catalog does
// not offer it.
func (c *Catalog) Lang(code string) *Lang {
	if l := c.langs[code]; l != nil {
		return l
	}
	return c.langs[English]
}

// Has reports whether the catalog offers the language with this exact code.
func (c *Catalog) Has(code string) bool { return c.langs[code] != nil }

// Name returns a language's name in that language ("Deutsch"), for the
// language switch.
func (c *Catalog) Name(code string) string { return c.Lang(code).T("language.name") }

// Check renders every message of every language with sample values and, for
// messages with plural forms, with counts that need each form of the
// language (CLDR rules), and returns the first failure: a form a language
// needs and lacks, a broken template.
func (c *Catalog) Check() error {
	counts := []int{0, 1, 2, 3, 5, 11, 21, 101, 1000}
	for _, code := range c.codes {
		l := c.langs[code]
		for _, id := range c.ids[code] {
			data := map[string]any{"Count": 2}
			if _, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data}); err != nil {
				return fmt.Errorf("i18n: %s %s: %w", code, id, err)
			}
			if !c.plural[id] {
				continue
			}
			for _, n := range counts {
				if _, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, PluralCount: n,
					TemplateData: map[string]any{"Count": n}}); err != nil {
					return fmt.Errorf("i18n: %s %s with count %d: %w", code, id, n, err)
				}
			}
		}
	}
	return nil
}
