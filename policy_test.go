package gatehouse

import (
	"strings"
	"testing"
)

type listBlocklist map[string]bool

func (l listBlocklist) Contains(p string) bool { return l[strings.ToLower(p)] }

func codes(errs []FieldError) string {
	var cs []string
	for _, e := range errs {
		cs = append(cs, e.Code)
	}
	return strings.Join(cs, ",")
}

func TestPolicyCheck(t *testing.T) {
	all := Policy{MinLength: 10, MaxLength: 128, RequireLower: true, RequireUpper: true, RequireDigit: true, RequireSpecial: true, History: 5}
	def := DefaultSettings()
	bl := listBlocklist{"correcthorsebatterystaple": true}
	tests := []struct {
		name    string
		policy  Policy
		pw      string
		context []string
		want    string
	}{
		{"every class missing and short", all, "", nil, "too_short,missing_lower,missing_upper,missing_digit,missing_special"},
		{"only lowercase, too short", all, "abcxyzq", nil, "too_short,missing_upper,missing_digit,missing_special"},
		{"meets all four classes", all, "Tr0ub4dor&3x", nil, ""},
		{"default policy: long passphrase", def.Policy(), "violet kettle orbit marsh", nil, ""},
		{"default policy: 14 chars", def.Policy(), "abcdefghjkmnpq", nil, "too_short"},
		{"blocklisted case-insensitively", def.Policy(), "CorrectHorseBatteryStaple", nil, "common"},
		{"contains the username", def.Policy(), "my name is jdoe-smith ok", []string{"jdoe-smith"}, "contains_personal_info"},
		{"short context words are ignored", def.Policy(), "violet kettle orbit marsh", []string{"ab", "vi"}, ""},
		{"repeated character", def.Policy(), strings.Repeat("a", 20), nil, "repetitive"},
		{"repeated unit", def.Policy(), strings.Repeat("abc", 6), nil, "repetitive"},
		{"alphabet run", def.Policy(), "abcdefghijklmnopq", nil, "repetitive"},
		{"descending run", def.Policy(), "zyxwvutsrqponmlk", nil, "repetitive"},
		{"digit run", def.Policy(), "123456789", nil, "too_short,repetitive"},
		{"too long", Policy{MinLength: 8, MaxLength: 64}, strings.Repeat("ab1!", 20), nil, "too_long"},
		{"control character", def.Policy(), "violet kettle\x00orbit marsh", nil, "invalid_characters"},
		{"invalid utf-8", def.Policy(), "violet kettle \xff orbit", nil, "invalid_characters"},
		{"unicode counts code points", Policy{MinLength: 8, MaxLength: 64}, "ééééèèèà", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codes(tt.policy.Check("new_password", tt.pw, tt.context, bl))
			if got != tt.want {
				t.Errorf("Check(%q) = %q, want %q", tt.pw, got, tt.want)
			}
		})
	}
}

func TestPasswordMessageNamesEveryRule(t *testing.T) {
	p := Policy{MinLength: 10, MaxLength: 128, RequireUpper: true, RequireDigit: true, RequireSpecial: true}
	errs := p.Check("new_password", "short", nil, nil)
	msg := PasswordMessage(errs)
	for _, want := range []string{"at least 10 characters", "uppercase", "digit", "special"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}
	for _, e := range errs {
		if e.Field != "new_password" {
			t.Errorf("field = %q, want new_password", e.Field)
		}
	}
}

func TestRulesDescribeEnabledClasses(t *testing.T) {
	s := DefaultSettings()
	if r := strings.Join(s.Policy().Rules(), " "); strings.Contains(r, "uppercase") || !strings.Contains(r, "15 characters") {
		t.Errorf("default rules = %q", r)
	}
	s.PasswordRequireUpper = true
	if r := strings.Join(s.Policy().Rules(), " "); !strings.Contains(r, "an uppercase letter") {
		t.Errorf("rules with upper = %q", r)
	}
}

func TestContextWords(t *testing.T) {
	m := &Member{Username: "jdoe", Email: "jane.doe@example.com", WorkEmail: "jd@corp.example", DisplayName: "Jane Doe"}
	got := strings.Join(ContextWords(m, "Acme Widgets"), ",")
	for _, want := range []string{"jdoe", "jane.doe", "jd", "Jane", "Doe", "Acme Widgets", "Widgets"} {
		if !strings.Contains(","+got+",", ","+want+",") {
			t.Errorf("ContextWords = %q, missing %q", got, want)
		}
	}
}
