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
