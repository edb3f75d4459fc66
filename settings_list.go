package gatehouse

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// zeroOrAtLeast narrows a duration setting whose 0 means "the default" to 0
// or at least least.
func zeroOrAtLeast(least time.Duration, d SettingDef) SettingDef {
	set := d.set
	d.set = func(s *Settings, v string) error {
		if x, err := ParseDuration(v); err == nil && x > 0 && x < least {
			return fmt.Errorf("must be 0s (the default) or from %s to %s", FormatDuration(least), FormatDuration(d.MaxDur))
		}
		return set(s, v)
	}
	return d
}

// listDef is a setting that holds a list of values separated by commas (or
// spaces), each accepted by ok; it is stored with ", " between the values.
func listDef(name, group, label, help, def string, maxLen int, ok func(string) bool, what string, f func(*Settings) *string) SettingDef {
	return SettingDef{Name: name, Group: group, Label: label, Help: help, Kind: KindString, Default: def, MaxLen: maxLen,
		get: func(s *Settings) string { return *f(s) },
		set: func(s *Settings, v string) error {
			if utf8.RuneCountInString(v) > maxLen {
				return fmt.Errorf("must be at most %d characters", maxLen)
			}
			var vals []string
			for _, x := range ListValues(v) {
				if !ok(x) {
					return &invalidValue{fmt.Sprintf("must list values separated by commas, each %s; %q is not", what, truncateRunes(x, 40))}
				}
				vals = append(vals, x)
			}
			*f(s) = strings.Join(vals, ",")
			return nil
		}}
}

// ListValues splits a list setting into its values, lower-cased.
func ListValues(v string) []string {
	return strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

func truncateRunes(v string, n int) string {
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	return string([]rune(v)[:n]) + "…"
}

// isAAGUID reports whether v is an AAGUID written as a UUID (8-4-4-4-12 hex digits).
func isAAGUID(v string) bool {
	if len(v) != 36 {
		return false
	}
	for i, r := range v {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
				return false
			}
		}
	}
	return true
}

// Second factors an organization may accept from administrators.
const (
	AdminMethodApp     = "app"
	AdminMethodPasskey = "passkey"
	AdminMethodSMS     = "sms"
	AdminMethodEmail   = "email"
)

// AdminMethods lists the methods, strongest first: the order in which pages
// name them.
var AdminMethods = []string{AdminMethodApp, AdminMethodPasskey, AdminMethodSMS, AdminMethodEmail}

func isAdminMethod(v string) bool {
	switch v {
	case AdminMethodApp, AdminMethodPasskey, AdminMethodSMS, AdminMethodEmail:
		return true
	}
	return false
}

// AdminMethodAllowed reports whether two_factor_admin_methods accepts method.
// An empty list is the default, app and passkey: an administrator who cleared
// the field did not mean to accept nothing (which would send every
// administrator to set up a factor that nothing would accept).
func (s *Settings) AdminMethodAllowed(method string) bool {
	vals := ListValues(s.TwoFactorAdminMethods)
	if len(vals) == 0 {
		return method == AdminMethodApp || method == AdminMethodPasskey
	}
	for _, v := range vals {
		if v == method {
			return true
		}
	}
	return false
}

// AdminSecondFactor reports whether m falls under the rules for administrators'
// second factors: m is an administrator or owner, the organization asks for
// second factors at all (two_factor not off) and two_factor_for_administrators
// is required. Such a member always proves a second factor after the password,
// and only the methods two_factor_admin_methods lists (and recovery codes)
// count.
func (s *Settings) AdminSecondFactor(m *Member) bool {
	return m.Role.IsAdmin() && s.TwoFactor != TwoFactorOff && s.TwoFactorForAdministrators != "inherit"
}

// TrustDays is how many days a browser may skip m's second factor:
// trusted_device_days, and for administrators and owners no more than
// trusted_device_days_for_administrators (whatever two_factor_for_administrators
// says: a stolen administrator's cookie jar must not skip the second factor).
func (s *Settings) TrustDays(m *Member) int {
	if m.Role.IsAdmin() {
		return min(s.TrustedDeviceDays, s.TrustedDeviceDaysForAdministrators)
	}
	return s.TrustedDeviceDays
}
