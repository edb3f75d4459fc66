package i18n_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/i18n"
)

// TestCheckOverride: an override names a language and a key the catalog
// has, is plain text within the limit and uses no placeholder its message
// lacks (it may leave some out).
func TestCheckOverride(t *testing.T) {
	c := i18n.Default()
	for _, tc := range []struct {
		name, lang, key, text, field string
	}{
		{"ok", "de", "login.title", "Willkommen bei Acme", ""},
		{"ok with its placeholder", "en", "mail.reset.subject", "Your {{.Org}} password", ""},
		{"ok leaving a placeholder out", "en", "mail.reset.subject", "Your password", ""},
		{"unknown language", "fr", "login.title", "Connexion", "language"},
		{"pseudo-locale", i18n.Pseudo, "login.title", "x", "language"},
		{"unknown key", "en", "login.nothing", "x", "key"},
		{"empty", "en", "login.title", "  ", "text"},
		{"too long", "en", "login.title", strings.Repeat("a", i18n.MaxOverride+1), "text"},
		{"markup", "en", "login.title", "<b>Sign in</b>", "text"},
		{"placeholder the message lacks", "en", "mail.reset.subject", "{{.Org}} for {{.Username}}", "text"},
		{"a function", "en", "mail.reset.subject", `{{printf "%s" .Org}}`, "text"},
		{"a condition", "en", "mail.reset.subject", `{{if .Org}}x{{end}}`, "text"},
		{"broken", "en", "mail.reset.subject", `{{.Org`, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			field, err := c.CheckOverride(tc.lang, tc.key, tc.text)
			if field != tc.field || (err == nil) != (tc.field == "") {
				t.Errorf("CheckOverride = %q, %v; want field %q", field, err, tc.field)
			}
		})
	}
}

// TestWith: a language with overrides says them, with their values, in
// T, N and Tr alike; other messages and other languages are unchanged, and
// its Key differs from the plain language's and from other overrides'.
func TestWith(t *testing.T) {
	de := i18n.Default().Lang("de")
	w := de.With(map[string]string{"mail.reset.subject": "Neues Passwort für {{.Org}}", "login.title": "Bei Acme anmelden", "prefs.saved": "Gespeichert."})
	if got := w.T("mail.reset.subject", "Org", "Acme"); got != "Neues Passwort für Acme" {
		t.Errorf("T = %q", got)
	}
	if got := w.T("login.submit"); got != de.T("login.submit") {
		t.Errorf("a message without override: %q", got)
	}
	en := i18n.Default().Lang("en")
	if got := w.Tr(en.T("prefs.saved")); got != "Gespeichert." {
		t.Errorf("Tr of the English = %q", got)
	}
	if de.With(nil) != de || de.Key() != "de" {
		t.Error("no overrides should be the language itself")
	}
	other := de.With(map[string]string{"login.title": "Anders"})
	if w.Key() == de.Key() || w.Key() == other.Key() || !strings.HasPrefix(w.Key(), "de~") || w.Code() != "de" {
		t.Errorf("keys %q %q %q", w.Key(), other.Key(), de.Key())
	}
}

// TestPluralFormOverrides: a message with plural forms may be overridden
// form by form (its id, a dot, the form), only with the forms its language
// has; a form's text comes before the whole message's, and the count picks
// the form by the language's CLDR rules.
func TestPluralFormOverrides(t *testing.T) {
	c := i18n.Default()
	if got := strings.Join(c.PluralForms("de", "admin.members.count"), ","); got != "one,other" {
		t.Errorf("German forms %q, want one,other", got)
	}
	if got := strings.Join(c.PluralForms("id", "admin.members.count"), ","); got != "other" {
		t.Errorf("Indonesian forms %q, want other", got)
	}
	if got := c.PluralForms("en", "login.title"); len(got) != 0 {
		t.Errorf("a message without plural forms has %q", got)
	}
	for _, tc := range []struct{ name, lang, key, text, field string }{
		{"one form", "en", "admin.members.count.one", "One person", ""},
		{"the other form with its count", "en", "admin.members.count.other", "{{.Count}} people", ""},
		{"a form the language lacks", "de", "admin.members.count.few", "{{.Count}} Leute", "key"},
		{"one in a language without it", "id", "admin.members.count.one", "Satu orang", "key"},
		{"other in that language", "id", "admin.members.count.other", "{{.Count}} orang", ""},
		{"a form of a message without forms", "en", "login.title.one", "x", "key"},
		{"a form with a placeholder it lacks", "en", "admin.members.count.one", "{{.Org}}", "text"},
	} {
		field, err := c.CheckOverride(tc.lang, tc.key, tc.text)
		if field != tc.field || (err == nil) != (tc.field == "") {
			t.Errorf("%s: CheckOverride = %q, %v; want field %q", tc.name, field, err, tc.field)
		}
	}
	if _, err := c.CheckOverride("de", "admin.members.count.few", "x"); err == nil || !strings.Contains(err.Error(), "one, other") {
		t.Errorf("the refusal of a form the language lacks does not name its forms: %v", err)
	}
	if got, ok := c.Source("en", "admin.members.count.one"); !ok || got != c.Lang("en").N("admin.members.count", 1) && !strings.Contains(got, "{{.Count}}") {
		t.Errorf("Source of a form = %q, %v", got, ok)
	}

	en := c.Lang("en").With(map[string]string{"admin.members.count.one": "One person", "admin.members.count": "{{.Count}} people"})
	for n, want := range map[int]string{1: "One person", 0: "0 people", 2: "2 people", 21: "21 people"} {
		if got := en.N("admin.members.count", n); got != want {
			t.Errorf("English with %d: %q, want %q", n, got, want)
		}
	}
	de := c.Lang("de").With(map[string]string{"admin.members.count.other": "{{.Count}} Leute"})
	if got, want := de.N("admin.members.count", 1), c.Lang("de").N("admin.members.count", 1); got != want {
		t.Errorf("German one without its override: %q, want the catalog's %q", got, want)
	}
	if got := de.N("admin.members.count", 3); got != "3 Leute" {
		t.Errorf("German other: %q", got)
	}
	id := c.Lang("id").With(map[string]string{"admin.members.count.other": "{{.Count}} orang"})
	if got := id.N("admin.members.count", 1); got != "1 orang" {
		t.Errorf("Indonesian, which has only other, with 1: %q", got)
	}
}
