package gatehouse

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Blocklist tells whether a password is among the common and breached passwords
// that may never be chosen. Implementations compare case-insensitively.
type Blocklist interface {
	Contains(password string) bool
}

// Policy is the password policy of an organization, taken from its Settings.
type Policy struct {
	MinLength      int
	MaxLength      int
	RequireLower   bool
	RequireUpper   bool
	RequireDigit   bool
	RequireSpecial bool
	History        int
}

// Policy returns the password policy these settings describe.
func (s *Settings) Policy() Policy {
	return Policy{
		MinLength:      s.PasswordMinLength,
		MaxLength:      s.PasswordMaxLength,
		RequireLower:   s.PasswordRequireLower,
		RequireUpper:   s.PasswordRequireUpper,
		RequireDigit:   s.PasswordRequireDigit,
		RequireSpecial: s.PasswordRequireSpecial,
		History:        s.PasswordHistory,
	}
}

// Stable codes of unmet password rules, used in API errors.
const (
	RuleTooShort       = "too_short"
	RuleTooLong        = "too_long"
	RuleMissingLower   = "missing_lower"
	RuleMissingUpper   = "missing_upper"
	RuleMissingDigit   = "missing_digit"
	RuleMissingSpecial = "missing_special"
	RuleCommon         = "common"
	RuleContext        = "contains_personal_info"
	RuleRepetitive     = "repetitive"
	RuleReused         = "reused"
	RuleInvalid        = "invalid_characters"
	RuleMismatch       = "mismatch"
)

// Rules describes the policy in sentences, to show members before they type (S32).
func (p Policy) Rules() []string {
	rules := []string{fmt.Sprintf("At least %d characters (at most %d). A passphrase of several unrelated words is long, strong and easy to remember.", p.MinLength, p.MaxLength)}
	var classes []string
	if p.RequireLower {
		classes = append(classes, "a lowercase letter")
	}
	if p.RequireUpper {
		classes = append(classes, "an uppercase letter")
	}
	if p.RequireDigit {
		classes = append(classes, "a digit")
	}
	if p.RequireSpecial {
		classes = append(classes, "a special character such as ! or #")
	}
	if len(classes) > 0 {
		rules = append(rules, "At least "+joinAnd(classes)+".")
	}
	rules = append(rules,
		"Not a common or previously breached password, and not your name, username, email address or the organization's name.",
		fmt.Sprintf("Not one of your last %d passwords.", p.History),
		"Use a password manager if you can, and a password you use nowhere else.",
	)
	return rules
}

// Check tests password against every rule that does not need the member's history
// and returns one FieldError (for field) per unmet rule, in a stable order. context
// holds words the password may not contain: username, email local parts, names.
func (p Policy) Check(field, password string, context []string, bl Blocklist) []FieldError {
	var errs []FieldError
	add := func(code, msg string) { errs = append(errs, FieldError{Field: field, Code: code, Message: msg}) }
	if !utf8.ValidString(password) || strings.ContainsFunc(password, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		add(RuleInvalid, "It contains characters that cannot be typed, such as control characters.")
		return errs
	}
	n := utf8.RuneCountInString(password)
	if n < p.MinLength {
		add(RuleTooShort, fmt.Sprintf("It needs at least %d characters (it has %d).", p.MinLength, n))
	}
	if n > p.MaxLength {
		add(RuleTooLong, fmt.Sprintf("It may have at most %d characters (it has %d).", p.MaxLength, n))
		return errs // the other checks would only do needless work on a huge input
	}
	var lower, upper, digit, special bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case !unicode.IsLetter(r):
			special = true
		}
	}
	if p.RequireLower && !lower {
		add(RuleMissingLower, "It needs a lowercase letter.")
	}
	if p.RequireUpper && !upper {
		add(RuleMissingUpper, "It needs an uppercase letter.")
	}
	if p.RequireDigit && !digit {
		add(RuleMissingDigit, "It needs a digit.")
	}
	if p.RequireSpecial && !special {
		add(RuleMissingSpecial, "It needs a special character (neither a letter nor a digit).")
	}
	if bl != nil && bl.Contains(password) {
		add(RuleCommon, "It is on a list of common or breached passwords.")
	}
	if w := containsContext(password, context); w != "" {
		add(RuleContext, "It contains your name, username, email address or the organization's name.")
	}
	if repetitive(password) {
		add(RuleRepetitive, "It is a repeated or sequential pattern, such as aaaa or 1234.")
	}
	return errs
}

// containsContext returns the first context word of at least 4 characters found in
// the password, case-insensitively.
func containsContext(password string, context []string) string {
	lp := strings.ToLower(password)
	for _, w := range context {
		w = strings.ToLower(strings.TrimSpace(w))
		if utf8.RuneCountInString(w) >= 4 && strings.Contains(lp, w) {
			return w
		}
	}
	return ""
}

// repetitive reports whether the password is one short unit repeated (aaaa,
// abcabc) or a run of consecutive characters (12345, abcdef, 98765).
func repetitive(password string) bool {
	rs := []rune(strings.ToLower(password))
	if len(rs) < 2 {
		return false
	}
	for unit := 1; unit <= 3 && unit < len(rs); unit++ {
		same := true
		for i := unit; i < len(rs); i++ {
			if rs[i] != rs[i-unit] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	step := rs[1] - rs[0]
	if step != 1 && step != -1 {
		return false
	}
	for i := 2; i < len(rs); i++ {
		if rs[i]-rs[i-1] != step {
			return false
		}
	}
	return true
}

// ContextWords returns the words a member's password may not contain.
func ContextWords(m *Member, orgName string) []string {
	words := []string{m.Username, orgName}
	for _, e := range []string{m.Email, m.WorkEmail} {
		if at := strings.IndexByte(e, '@'); at > 0 {
			words = append(words, e[:at])
		}
	}
	words = append(words, strings.Fields(m.DisplayName)...)
	words = append(words, strings.Fields(orgName)...)
	return words
}

// PasswordMessage joins the messages of unmet rules into the one message shown
// next to the password field (S10).
func PasswordMessage(errs []FieldError) string {
	if len(errs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("This password cannot be used:")
	for _, e := range errs {
		b.WriteString(" ")
		b.WriteString(e.Message)
	}
	return b.String()
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
