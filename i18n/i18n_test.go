package i18n

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/google/go-cmp/cmp"
)

// TestEveryKeyInEveryLanguage: each language's file has exactly the ids of
// English, so no page shows an id or falls back to English unnoticed.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	c := Default()
	en := c.IDs(English)
	if len(en) < 100 {
		t.Fatalf("English has %d messages; the catalog did not load", len(en))
	}
	for _, code := range c.Codes() {
		if diff := cmp.Diff(en, c.IDs(code)); diff != "" {
			t.Errorf("%s.toml has other ids than en.toml (-en +%s):\n%s", code, code, diff)
		}
	}
	for _, want := range []string{"en", "de", "es", "id"} {
		if !c.Has(want) {
			t.Errorf("the catalog does not offer %s", want)
		}
	}
}

// TestPluralForms: every message with a number has the forms each language's
// plural rules need, and every template renders.
func TestPluralForms(t *testing.T) {
	if err := WithPseudo().Check(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "1 minute"}, {"en", 2, "2 minutes"}, {"en", 0, "0 minutes"},
		{"de", 1, "1 Minute"}, {"de", 5, "5 Minuten"},
		{"es", 1, "1 minuto"}, {"es", 21, "21 minutos"},
		{"id", 1, "1 menit"}, {"id", 7, "7 menit"},
	} {
		if got := Default().Lang(tc.lang).N("duration.minutes", tc.n); got != tc.want {
			t.Errorf("%s %d minutes: got %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

// TestNoMarkupOutsideHTMLMessages: only messages named *_html may hold
// markup, so a translator cannot put a tag where the page escapes it (or
// where an email's text part shows it raw).
func TestNoMarkupOutsideHTMLMessages(t *testing.T) {
	c := WithPseudo()
	for _, code := range c.Codes() {
		l := c.Lang(code)
		for _, id := range c.IDs(code) {
			if strings.HasSuffix(id, "_html") {
				continue
			}
			if s := strings.ReplaceAll(l.T(id), "<no value>", ""); strings.ContainsAny(s, "<>") {
				t.Errorf("%s %s holds markup: %q", code, id, s)
			}
		}
	}
}

func TestChoose(t *testing.T) {
	c := WithPseudo()
	for _, tc := range []struct {
		name string
		ch   Choice
		want string
	}{
		{"nothing", Choice{}, "en"},
		{"organization default", Choice{Org: "id"}, "id"},
		{"browser before organization", Choice{Accept: "de-AT,de;q=0.9,en;q=0.5", Org: "id"}, "de"},
		{"browser region falls back to the language", Choice{Accept: "es-MX"}, "es"},
		{"browser language not offered", Choice{Accept: "fr-FR,fr", Org: "es"}, "es"},
		{"switch before browser", Choice{Switch: "id", Accept: "de"}, "id"},
		{"member before everything", Choice{Member: "es", Switch: "id", Accept: "de", Org: "en"}, "es"},
		{"unknown member preference is skipped", Choice{Member: "xx", Accept: "de"}, "de"},
		{"pseudo-locale by exact tag", Choice{Accept: "en-XA"}, "en-XA"},
		{"garbage header", Choice{Accept: strings.Repeat("x", 600), Org: "de"}, "de"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Choose(tc.ch).Code(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	// Without the pseudo-locale, asking for it is English.
	if got := Default().Choose(Choice{Accept: "en-XA"}).Code(); got != "en" {
		t.Errorf("en-XA without the pseudo-locale: got %s", got)
	}
}

func TestNormalize(t *testing.T) {
	c := WithPseudo()
	for in, want := range map[string]string{"": "", "de": "de", "DE": "de", " es ": "es"} {
		if got, ok := c.Normalize(in); !ok || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"xx", "fr", "en-XA", "de\x00", "../en"} {
		if _, ok := c.Normalize(bad); ok {
			t.Errorf("Normalize(%q) accepted it", bad)
		}
	}
}

// TestTr: English texts written outside the catalog's users (domain errors)
// are found, with their values, and composed texts sentence by sentence.
func TestTr(t *testing.T) {
	de := Default().Lang("de")
	for _, tc := range []struct{ in, want string }{
		{"Wrong username or password.", "Falscher Benutzername oder falsches Passwort."},
		{"Too many failed attempts. Wait 3 minutes and try again.", "Zu viele Fehlversuche. Warten Sie 3 Minuten und versuchen Sie es noch einmal."},
		{"It needs at least 12 characters (it has 5).", "Es braucht mindestens 12 Zeichen (es hat 5)."},
		{"This password cannot be used: It needs a digit. It needs an uppercase letter.",
			"Dieses Passwort kann nicht verwendet werden: Es braucht eine Ziffer. Es braucht einen Großbuchstaben."},
		// A value that is a list in English is translated item by item and
		// joined by the language's "or".
		{"Administrators confirm it is them with an authenticator app or a passkey.",
			"Administratoren weisen sich mit einer Authenticator-App oder einem Passkey aus."},
		{"Set up an authenticator app, a passkey or a code by SMS first.",
			"Richten Sie zuerst eine Bestätigung mit einer Authenticator-App, einem Passkey oder einem Code per SMS ein."},
		{"Administrators confirm it is them with a passkey.", "Administratoren weisen sich mit einem Passkey aus."},
		{"Not a message the catalog has.", "Not a message the catalog has."},
		{"", ""},
	} {
		if got := de.Tr(tc.in); got != tc.want {
			t.Errorf("Tr(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	// A known sentence next to an unknown one is left as it was: half a
	// translation reads worse than none.
	mixed := "Wrong username or password. Something else entirely."
	if got := de.Tr(mixed); got != mixed {
		t.Errorf("Tr(mixed) = %q", got)
	}
}

func TestDurationAndTimes(t *testing.T) {
	c := Default()
	at := time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC)
	berlin := Zone("Europe/Berlin")
	jakarta := Zone("Asia/Jakarta")
	if berlin == nil || jakarta == nil {
		t.Fatal("time zones did not load")
	}
	for _, tc := range []struct{ got, want string }{
		{c.Lang("en").Duration(90 * time.Minute), "1 hour and 30 minutes"},
		{c.Lang("de").Duration(24 * time.Hour), "1 Tag"},
		{c.Lang("es").Duration(30 * time.Second), "30 segundos"},
		{c.Lang("en").When(at, nil), "2 Mar 2026, 09:05 UTC"},
		{c.Lang("de").When(at, berlin), "2. März 2026, 10:05 CET"},
		{c.Lang("id").When(at, jakarta), "2 Mar 2026, 16:05 WIB"},
		{c.Lang("en").When(time.Time{}, nil), "never"},
		{c.Lang("es").Long(at, nil), "lunes, 2 de marzo de 2026 a las 09:05 UTC"},
		{Date(at.Add(20*time.Hour), jakarta), "2026-03-03"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestValidZone(t *testing.T) {
	for _, ok := range []string{"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Jakarta", "Etc/GMT+5"} {
		if !ValidZone(ok) {
			t.Errorf("ValidZone(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "Local", "Europe/Nowhere", "../../etc/passwd", "/etc/localtime", "Europe/../UTC", "CET\n", strings.Repeat("A/", 40)} {
		if ValidZone(bad) {
			t.Errorf("ValidZone(%q) = true", bad)
		}
	}
}

func TestForRecipient(t *testing.T) {
	ctx := context.Background()
	if got := ForRecipient(ctx, "m1"); got != "" {
		t.Errorf("no request: %q", got)
	}
	anon := WithRequest(ctx, &Request{Lang: "de"})
	if got := ForRecipient(anon, "m1"); got != "de" {
		t.Errorf("nobody signed in: %q, want de", got)
	}
	self := WithRequest(ctx, &Request{Lang: "de", Member: "m1"})
	if got := ForRecipient(self, "m1"); got != "de" {
		t.Errorf("to the signed-in member: %q, want de", got)
	}
	if got := ForRecipient(self, "m2"); got != "" {
		t.Errorf("an administrator's language for another member: %q, want none", got)
	}
}

// TestLanguagesSetting: the languages the default_language setting allows are
// the ones the catalog offers.
func TestLanguagesSetting(t *testing.T) {
	got := append([]string(nil), gatehouse.Languages...)
	sort.Strings(got)
	want := Default().Offered()
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("gatehouse.Languages differs from the catalog (-catalog +setting):\n%s", diff)
	}
}

// TestTrPolicyRules: the password rules the domain writes, lists included.
func TestTrPolicyRules(t *testing.T) {
	de := Default().Lang("de")
	for in, want := range map[string]string{
		"At least a digit.": "Mindestens eine Ziffer.",
		"At least a lowercase letter, an uppercase letter and a digit.": "Mindestens ein Kleinbuchstabe, ein Großbuchstabe und eine Ziffer.",
		"Not one of your last 5 passwords.":                             "Keines Ihrer letzten 5 Passwörter.",
	} {
		if got := de.Tr(in); got != want {
			t.Errorf("Tr(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestUntranslated(t *testing.T) {
	for _, tc := range []struct {
		text  string
		known []string
		want  []string
	}{
		{"⟦Hello⟧ ⟦Sign in⟧", nil, nil},
		{"⟦Hello⟧ Sign in", nil, []string{"Sign in"}},
		{"⟦Your code is ⟦12 minutes⟧⟧ for Ada", []string{"Ada"}, []string{"for"}},
		{"⟦Hi⟧ ada@example.org 12:05 · 2026-03-02", []string{"ada@example.org"}, nil},
	} {
		if got := Untranslated(tc.text, tc.known...); !cmp.Equal(got, tc.want) {
			t.Errorf("Untranslated(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
