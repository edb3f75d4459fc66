package gatehouse

import (
	"strings"
	"testing"
	"time"
)

func TestEffectiveState(t *testing.T) {
	now := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	m := &Member{State: StateActive, ExpiresAt: now}
	if got := m.EffectiveState(now); got != StateExpired {
		t.Errorf("at expiry: %s, want expired", got)
	}
	if got := m.EffectiveState(now.Add(-time.Second)); got != StateActive {
		t.Errorf("before expiry: %s, want active", got)
	}
	m.State = StateDisabled
	if got := m.EffectiveState(now.Add(time.Hour)); got != StateDisabled {
		t.Errorf("disabled: %s", got)
	}
}

func TestPasswordExpired(t *testing.T) {
	changed := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	m := &Member{PasswordChangedAt: changed}
	if m.PasswordExpired(changed.AddDate(1, 0, 0), 0) {
		t.Error("max age 0 must mean never")
	}
	if m.PasswordExpired(changed.AddDate(0, 0, 90).Add(-time.Second), 90) {
		t.Error("expired a second early")
	}
	if !m.PasswordExpired(changed.AddDate(0, 0, 90), 90) {
		t.Error("not expired after 90 days")
	}
}

func TestValidators(t *testing.T) {
	for _, tt := range []struct {
		name string
		fe   *FieldError
		ok   bool
	}{
		{"username plain", ValidateUsername("jane.doe-2"), true},
		{"username empty", ValidateUsername(""), false},
		{"username with @", ValidateUsername("jane@x"), false},
		{"username with space", ValidateUsername("jane doe"), false},
		{"email ok", ValidateEmail("email", "jane@example.com", true), true},
		{"email missing", ValidateEmail("email", "", true), false},
		{"email optional", ValidateEmail("work_email", "", false), true},
		{"email no domain dot", ValidateEmail("email", "jane@localhost", true), false},
		{"email header injection", ValidateEmail("email", "jane@example.com\r\nBcc: x@y.z", true), false},
		{"email two ats", ValidateEmail("email", "a@b@example.com", true), false},
		{"e164 ok", ValidateE164("mobile", "+447700900123"), true},
		{"e164 no plus", ValidateE164("mobile", "447700900123"), false},
		{"e164 letters", ValidateE164("mobile", "+44770090012a"), false},
		{"e164 too short", ValidateE164("mobile", "+4477"), false},
	} {
		if (tt.fe == nil) != tt.ok {
			t.Errorf("%s: ok=%v, got %+v", tt.name, tt.ok, tt.fe)
		}
	}
}

// TestNewMemberValidate: every bad field is named at once, the edge's
// problems first; good fields, trimmed, pass.
func TestNewMemberValidate(t *testing.T) {
	bad := NewMember{Username: "no spaces please", DisplayName: "tab\there", Email: "not-an-address",
		WorkEmail: "also@bad", Mobile: "12345", Role: "emperor", Refused: []FieldError{{Field: "expires", Code: "invalid"}}}
	var got []string
	for _, fe := range bad.Validate() {
		got = append(got, fe.Field)
	}
	if want := "expires username name email work_email mobile role"; strings.Join(got, " ") != want {
		t.Errorf("fields at fault: %q, want %q", strings.Join(got, " "), want)
	}
	good := NewMember{Username: " ana ", DisplayName: " Ana López ", Email: " ana@example.com", Mobile: "+447400123456"}
	if errs := good.Validate(); errs != nil || good.Username != "ana" || good.Role != RoleMember {
		t.Errorf("good fields: %v, %+v", errs, good)
	}
}

// TestOrderMemberFields: problems read in the order of the form; several of
// one field keep their order; unknown fields go last.
func TestOrderMemberFields(t *testing.T) {
	errs := []FieldError{{Field: "password", Code: "a"}, {Field: "other"}, {Field: "mobile"}, {Field: "password", Code: "b"}, {Field: "username"}}
	OrderMemberFields(errs)
	var got []string
	for _, e := range errs {
		got = append(got, e.Field+e.Code)
	}
	if want := "username mobile passworda passwordb other"; strings.Join(got, " ") != want {
		t.Errorf("%q, want %q", strings.Join(got, " "), want)
	}
}
