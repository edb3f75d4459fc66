package gatehouse

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Fuzz targets for the domain's parsers of outside input. Each asserts the
// properties the rest of the code relies on, not only that nothing panics.
// .ci/fuzz runs each for a short time; inputs they find land in
// testdata/fuzz/FuzzX and run with every `go test` from then on.

// FuzzNormalizeIdentifier: normalizing is idempotent, leaves no surrounding
// space and no uppercase letter that has a lowercase form, and two
// identifiers that normalize alike stay alike whatever their case or padding.
func FuzzNormalizeIdentifier(f *testing.F) {
	for _, s := range []string{"JDoe", "  jane@Example.COM\t", "İstanbul", "ǅ", "\xff\xfe", "ß", "K"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeIdentifier(s)
		if again := NormalizeIdentifier(n); again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, again)
		}
		if strings.TrimSpace(n) != n {
			t.Fatalf("%q keeps surrounding space: %q", s, n)
		}
		if n != strings.ToLower(n) {
			t.Fatalf("%q is not lower case: %q", s, n)
		}
		if NormalizeIdentifier("  "+strings.ToUpper(s)+"\n") != NormalizeIdentifier(strings.ToUpper(s)) {
			t.Fatalf("padding changes the identifier %q", s)
		}
	})
}

// FuzzValidateEmail: what ValidateEmail accepts has the shape the mail code and
// the lookup rely on (one @, something on each side, a dotted domain, valid
// UTF-8, no space, control or header-breaking character, at most 254 bytes);
// what it refuses names the field it was given.
func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"jane@example.com", "a@b.c", "@example.com", "jane@", "jane@example", "a@@b.c",
		"jane doe@example.com", "jane@example..com", "jane@.example.com", "j\r\nBcc: x@y.z@example.com",
		"ünïcode@exämple.com", "\xff@example.com", strings.Repeat("a", 250) + "@b.cd", "a<b>@c.d", "jane@example.com."} {
		f.Add(s, true)
	}
	f.Add("", false)
	f.Fuzz(func(t *testing.T, e string, required bool) {
		fe := ValidateEmail("work_email", e, required)
		if fe != nil {
			if fe.Field != "work_email" || fe.Code == "" || fe.Message == "" {
				t.Fatalf("refusal of %q does not name the field: %+v", e, fe)
			}
			return
		}
		if e == "" {
			if required {
				t.Fatal("accepted an empty required address")
			}
			return
		}
		at := strings.LastIndexByte(e, '@')
		switch {
		case len(e) > MaxEmailLength:
			t.Fatalf("accepted %d bytes", len(e))
		case !utf8.ValidString(e):
			t.Fatalf("accepted invalid UTF-8 %q", e)
		case strings.Count(e, "@") != 1 || at < 1 || at == len(e)-1:
			t.Fatalf("accepted %q without one @ between two parts", e)
		case !strings.Contains(e[at+1:], ".") || strings.HasPrefix(e[at+1:], ".") || strings.HasSuffix(e, ".") || strings.Contains(e[at+1:], ".."):
			t.Fatalf("accepted %q without a dotted domain", e)
		case strings.ContainsFunc(e, func(r rune) bool { return r < 0x20 || r == 0x7f || r == ' ' || strings.ContainsRune("<>,;\"()[]\\", r) }):
			t.Fatalf("accepted %q with a character that could break a header or a list", e)
		}
	})
}

// FuzzValidateUsername: an accepted username is 1 to 64 characters from
// [A-Za-z0-9._-], so it never contains @ (it cannot be taken for an email
// address) nor anything a URL, a log line or a header would need to escape.
func FuzzValidateUsername(f *testing.F) {
	for _, s := range []string{"jdoe", "j.doe-2_x", "", "jane@example.com", "ünï", strings.Repeat("a", 64), strings.Repeat("a", 65), "a b", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		fe := ValidateUsername(u)
		if fe != nil {
			if fe.Field != "username" || fe.Message == "" {
				t.Fatalf("refusal of %q: %+v", u, fe)
			}
			return
		}
		if u == "" || len(u) > MaxUsernameLength {
			t.Fatalf("accepted %q (%d bytes)", u, len(u))
		}
		for _, r := range u {
			if r > unicode.MaxASCII || !(r == '.' || r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				t.Fatalf("accepted %q with %q", u, r)
			}
		}
		if NormalizeIdentifier(u) != strings.ToLower(u) {
			t.Fatalf("an accepted username %q normalizes to %q, not its lower case", u, NormalizeIdentifier(u))
		}
	})
}

// FuzzParseDuration: an accepted duration is not negative, and what
// FormatDuration writes of it parses back to the same value.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30m", "12h", "7d", "0s", "1h30m", " 2d ", "-1h", "36501d", "1.5h", "9223372036854775807ns", "d", "1e9h", "+5m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		back, err := ParseDuration(FormatDuration(d))
		if err != nil || back != d {
			t.Fatalf("ParseDuration(%q) = %v, written %q, read back %v, %v", s, d, FormatDuration(d), back, err)
		}
	})
}

// FuzzSettingsSet: every setting refuses what it cannot hold with a message
// naming it, and what it accepts reads back (Get) in a form that Set accepts
// again unchanged, within the setting's range; a refused value changes nothing.
func FuzzSettingsSet(f *testing.F) {
	for i, d := range SettingDefs {
		f.Add(uint8(i), d.Default)
		f.Add(uint8(i), "0")
	}
	for _, v := range []string{"on", "OFF", " 42 ", "-1", "99999999999999999999", "7d", "90m", "0s", "1.5h", "builtin", "Acme\x00", "é", "", strings.Repeat("x", 300)} {
		f.Add(uint8(len(v)), v)
	}
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		d := SettingDefs[int(which)%len(SettingDefs)]
		s := DefaultSettings()
		before := s.Map()
		if fe := s.Set(d.Name, value); fe != nil {
			// The name may appear inside an allowed value ("hcaptcha" for
			// captcha), not as a word of its own.
			nameAsWord := regexp.MustCompile(`(^|[^\w])` + regexp.QuoteMeta(d.Name) + `($|[^\w])`)
			if fe.Field != d.Name || !strings.Contains(fe.Message, d.Label) || nameAsWord.MatchString(fe.Message) {
				t.Fatalf("refusal of %s=%q does not name the setting by its label (and only so): %+v", d.Name, value, fe)
			}
			after := s.Map()
			for k, v := range before {
				if after[k] != v {
					t.Fatalf("refused %s=%q changed %s from %q to %q", d.Name, value, k, v, after[k])
				}
			}
			return
		}
		got, _ := s.Get(d.Name)
		again := DefaultSettings()
		if fe := again.Set(d.Name, got); fe != nil {
			t.Fatalf("%s=%q reads back as %q, which Set refuses: %v", d.Name, value, got, fe.Message)
		}
		if back, _ := again.Get(d.Name); back != got {
			t.Fatalf("%s=%q reads back as %q, then as %q", d.Name, value, got, back)
		}
		switch d.Kind {
		case KindInt:
			n := 0
			for _, c := range got {
				n = n*10 + int(c-'0')
			}
			if strings.HasPrefix(got, "-") || int64(n) < d.Min || int64(n) > d.Max {
				t.Fatalf("%s accepted %q out of %d..%d", d.Name, got, d.Min, d.Max)
			}
		case KindDuration:
			dur, err := ParseDuration(got)
			if err != nil || dur < d.MinDur || dur > d.MaxDur {
				t.Fatalf("%s accepted %q out of %v..%v", d.Name, got, d.MinDur, d.MaxDur)
			}
		case KindString:
			if utf8.RuneCountInString(got) > d.MaxLen || strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("%s accepted %q", d.Name, got)
			}
		case KindEnum:
			ok := false
			for _, e := range d.Enum {
				ok = ok || got == e
			}
			if !ok {
				t.Fatalf("%s accepted %q, not one of %v", d.Name, got, d.Enum)
			}
		}
		// LoadSettings keeps a stored value that validates.
		if loaded := LoadSettings(map[string]string{d.Name: got}); mustGet(loaded, d.Name) != got {
			t.Fatalf("LoadSettings(%s=%q) gives %q", d.Name, got, mustGet(loaded, d.Name))
		}
	})
}

func mustGet(s Settings, name string) string {
	v, _ := s.Get(name)
	return v
}
