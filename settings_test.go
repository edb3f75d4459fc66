package gatehouse

import (
	"strings"
	"testing"
	"time"
)

func TestDefaultSettings(t *testing.T) {
	s := DefaultSettings()
	checks := []struct {
		name string
		ok   bool
	}{
		{"password_min_length 15", s.PasswordMinLength == 15},
		{"password_max_length >= 128", s.PasswordMaxLength >= 128},
		{"no composition rules", !s.PasswordRequireLower && !s.PasswordRequireUpper && !s.PasswordRequireDigit && !s.PasswordRequireSpecial},
		{"history 5", s.PasswordHistory == 5},
		{"passwords never expire", s.PasswordMaxAgeDays == 0},
		{"reset link 30m", s.ResetLinkTTL == 30*time.Minute},
		{"activation link 7d", s.ActivationLinkTTL == 7*24*time.Hour},
		{"reset does not sign in", !s.ResetSignsIn},
		{"no self-service reset for admins", !s.ResetForAdministrators},
		{"second factor after reset", s.ResetRequiresSecondFactor},
		{"captcha builtin", s.Captcha == "builtin"},
		{"two factor off", s.TwoFactor == "off"},
		{"code ttl 10m", s.TwoFactorCodeTTL == 10*time.Minute},
		{"trusted 30 days", s.TrustedDeviceDays == 30},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("default: %s does not hold", c.name)
		}
	}
}

func TestSettingsSet(t *testing.T) {
	tests := []struct {
		name, value string
		wantErr     string // substring; "" means accepted
	}{
		{"password_min_length", "10", ""},
		{"password_min_length", "8", ""},
		{"password_min_length", "7", "from 8 to 64"},
		{"password_min_length", "ten", "whole number"},
		{"password_history", "0", "from 1 to 24"},
		{"reset_link_ttl", "12h", ""},
		{"reset_link_ttl", "4m", "from 5m to 1d"},
		{"reset_link_ttl", "25h", "from 5m to 1d"},
		{"reset_link_ttl", "soon", "duration"},
		{"two_factor_code_ttl", "1h", ""},
		{"two_factor_code_ttl", "61m", "from 1m to 1h"},
		{"trusted_device_days", "90", ""},
		{"two_factor", "required", ""},
		{"two_factor", "always", `one of "off", "optional", "required"`},
		{"reset_signs_in", "on", ""},
		{"reset_signs_in", "maybe", "on or off"},
		{"organization_name", "Acme\nInc", "control characters"},
		{"organization_name", strings.Repeat("x", 101), "at most 100"},
		{"no_such_setting", "1", "no setting"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			s := DefaultSettings()
			before := s
			fe := s.Set(tt.name, tt.value)
			if tt.wantErr == "" {
				if fe != nil {
					t.Fatalf("Set: %v", fe.Message)
				}
				return
			}
			if fe == nil {
				t.Fatalf("Set accepted %q", tt.value)
			}
			if !strings.Contains(fe.Message, tt.wantErr) || fe.Field != tt.name {
				t.Errorf("error = %q on %q, want %q on %q", fe.Message, fe.Field, tt.wantErr, tt.name)
			}
			if s != before {
				t.Errorf("a refused value changed the settings")
			}
		})
	}
}

func TestLoadSettingsIgnoresBadRows(t *testing.T) {
	s := LoadSettings(map[string]string{"password_min_length": "3", "removed_setting": "x", "password_history": "7"})
	if s.PasswordMinLength != 15 || s.PasswordHistory != 7 {
		t.Errorf("got min %d history %d", s.PasswordMinLength, s.PasswordHistory)
	}
}

func TestEverySettingRoundTrips(t *testing.T) {
	s := DefaultSettings()
	for name, v := range s.Map() {
		if fe := s.Set(name, v); fe != nil {
			t.Errorf("%s: its own value %q is refused: %s", name, v, fe.Message)
		}
	}
}

func TestDurations(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{{"30m", 30 * time.Minute}, {"7d", 7 * 24 * time.Hour}, {"1h30m", 90 * time.Minute}, {"0s", 0}} {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v", tt.in, got, err)
		}
	}
	for _, bad := range []string{"", "-5m", "1y", "99999999d", "d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
	if got := FormatDuration(36 * time.Hour); got != "36h" {
		t.Errorf("FormatDuration(36h) = %q", got)
	}
}
