package gatehouse

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SettingKind is the type of a setting's value.
type SettingKind string

// Setting kinds.
const (
	KindBool     SettingKind = "bool"
	KindInt      SettingKind = "int"
	KindDuration SettingKind = "duration"
	KindEnum     SettingKind = "enum"
	KindString   SettingKind = "string"
)

// SettingDef describes one setting: its stable name, where it is shown, what it
// means, its default and the values it accepts.
type SettingDef struct {
	Name    string
	Group   string
	Label   string
	Help    string
	Kind    SettingKind
	Default string
	Min     int64         // for KindInt
	Max     int64         // for KindInt
	MinDur  time.Duration // for KindDuration
	MaxDur  time.Duration // for KindDuration
	Enum    []string      // for KindEnum
	MaxLen  int           // for KindString
	// Address settings (KindString) hold an email address that mail is sent
	// from: CheckMailAddress, the sender's own rule, must accept it.
	Address bool
	// Secret settings are write-only: they are never shown or returned, only
	// reported as set or not set.
	Secret bool

	get func(*Settings) string
	set func(*Settings, string) error
}

// Setting groups, in display order.
var SettingGroups = []string{"Organization", "Passwords", "Sign-in and sessions", "Recovery", "Email", "Two-factor", "Administration", "Applications"}

func boolDef(name, group, label, help string, def bool, f func(*Settings) *bool) SettingDef {
	return SettingDef{Name: name, Group: group, Label: label, Help: help, Kind: KindBool, Default: strconv.FormatBool(def),
		get: func(s *Settings) string { return strconv.FormatBool(*f(s)) },
		set: func(s *Settings, v string) error {
			b, err := parseBool(v)
			if err != nil {
				return err
			}
			*f(s) = b
			return nil
		}}
}

func intDef(name, group, label, help string, def, min, max int64, f func(*Settings) *int) SettingDef {
	return SettingDef{Name: name, Group: group, Label: label, Help: help, Kind: KindInt, Default: strconv.FormatInt(def, 10), Min: min, Max: max,
		get: func(s *Settings) string { return strconv.Itoa(*f(s)) },
		set: func(s *Settings, v string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return fmt.Errorf("must be a whole number from %d to %d", min, max)
			}
			if n < min || n > max {
				return fmt.Errorf("must be from %d to %d", min, max)
			}
			*f(s) = int(n)
			return nil
		}}
}

func durDef(name, group, label, help string, def, min, max time.Duration, f func(*Settings) *time.Duration) SettingDef {
	return SettingDef{Name: name, Group: group, Label: label, Help: help, Kind: KindDuration, Default: FormatDuration(def), MinDur: min, MaxDur: max,
		get: func(s *Settings) string { return FormatDuration(*f(s)) },
		set: func(s *Settings, v string) error {
			d, err := ParseDuration(v)
			if err != nil {
				return fmt.Errorf("must be a duration like 30m, 12h or 7d, from %s to %s", FormatDuration(min), FormatDuration(max))
			}
			if d < min || d > max {
				return fmt.Errorf("must be from %s to %s", FormatDuration(min), FormatDuration(max))
			}
			*f(s) = d
			return nil
		}}
}

func enumDef(name, group, label, help, def string, values []string, f func(*Settings) *string) SettingDef {
	return SettingDef{Name: name, Group: group, Label: label, Help: help, Kind: KindEnum, Default: def, Enum: values,
		get: func(s *Settings) string { return *f(s) },
		set: func(s *Settings, v string) error {
			v = strings.TrimSpace(v)
			for _, e := range values {
				if v == e {
					*f(s) = v
					return nil
				}
			}
			// Quoted: they are the values to send, which a translation of
			// the message must not translate as words ("off").
			quoted := make([]string, len(values))
			for i, e := range values {
				quoted[i] = strconv.Quote(e)
			}
			return fmt.Errorf("must be one of %s", strings.Join(quoted, ", "))
		}}
}

func stringDef(name, group, label, help, def string, maxLen int, secret bool, f func(*Settings) *string) SettingDef {
	return SettingDef{Name: name, Group: group, Label: label, Help: help, Kind: KindString, Default: def, MaxLen: maxLen, Secret: secret,
		get: func(s *Settings) string { return *f(s) },
		set: func(s *Settings, v string) error {
			v = strings.TrimSpace(v)
			if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxLen {
				return fmt.Errorf("must be at most %d characters", maxLen)
			}
			for _, r := range v {
				if r < 0x20 || r == 0x7f {
					return fmt.Errorf("must not contain control characters")
				}
			}
			*f(s) = v
			return nil
		}}
}

// invalidValue is a refused value that is not out of a range but of the wrong
// form; Set reports it with the code "invalid".
type invalidValue struct{ msg string }

func (e *invalidValue) Error() string { return e.msg }

// addressDef is a setting that holds the address mail is sent from. It is
// checked with the rule the mail transport applies before every send, so a
// value it accepts can never leave every message stuck in the queue.
func addressDef(name, group, label, help, def string, f func(*Settings) *string) SettingDef {
	return SettingDef{Name: name, Group: group, Label: label, Help: help, Kind: KindString, Default: def, MaxLen: MaxEmailLength, Address: true,
		get: func(s *Settings) string { return *f(s) },
		set: func(s *Settings, v string) error {
			v = strings.TrimSpace(v)
			if err := CheckMailAddress(v); err != nil {
				return &invalidValue{"must be an email address like recovery@example.com, without a name or angle brackets"}
			}
			*f(s) = v
			return nil
		}}
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "on", "yes", "1":
		return true, nil
	case "false", "off", "no", "0":
		return false, nil
	}
	return false, fmt.Errorf("must be on or off (true or false)")
}

// ParseDuration parses a Go duration ("90m", "12h") or a number of days ("7d").
func ParseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if strings.HasSuffix(v, "d") {
		n, err := strconv.ParseInt(strings.TrimSuffix(v, "d"), 10, 32)
		if err != nil || n < 0 || n > 36500 {
			return 0, fmt.Errorf("bad duration %q", v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	if len(v) > 32 {
		return 0, fmt.Errorf("bad duration")
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q", v)
	}
	return d, nil
}

// FormatDuration writes d the way people write it: "7d", "12h", "30m", "45s".
func FormatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}
