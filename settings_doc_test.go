package gatehouse

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated documentation")

const (
	docBegin = "<!-- BEGIN GENERATED SETTINGS: go test . -run TestSettingsDoc -update -->"
	docEnd   = "<!-- END GENERATED SETTINGS -->"
)

// settingsTable renders every setting as Markdown, grouped as on the admin page.
func settingsTable() string {
	var b strings.Builder
	for _, g := range SettingGroups {
		fmt.Fprintf(&b, "\n### %s\n\n| setting | default | allowed | meaning |\n|---|---|---|---|\n", g)
		for _, d := range SettingDefs {
			if d.Group != g {
				continue
			}
			def := d.Default
			if def == "" {
				def = "(empty)"
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", d.Name, def, allowed(d), strings.ReplaceAll(d.Help, "|", "\\|"))
		}
	}
	return b.String()
}

func allowed(d SettingDef) string {
	switch d.Kind {
	case KindBool:
		return "on / off"
	case KindInt:
		return fmt.Sprintf("%d – %d", d.Min, d.Max)
	case KindDuration:
		return fmt.Sprintf("%s – %s", FormatDuration(d.MinDur), FormatDuration(d.MaxDur))
	case KindEnum:
		return "`" + strings.Join(d.Enum, "`, `") + "`"
	}
	if d.Address {
		return fmt.Sprintf("an email address (as net/mail parses it), at most %d characters", d.MaxLen)
	}
	s := fmt.Sprintf("text, at most %d characters", d.MaxLen)
	if d.Secret {
		s += "; write-only"
	}
	return s
}

// TestSettingsDoc keeps docs/settings.md in step with SettingDefs.
func TestSettingsDoc(t *testing.T) {
	const path = "docs/settings.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, docBegin), strings.Index(doc, docEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the generated-settings markers", path)
	}
	want := doc[:i+len(docBegin)] + "\n" + settingsTable() + "\n" + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date: run go test . -run TestSettingsDoc -update", path)
}
