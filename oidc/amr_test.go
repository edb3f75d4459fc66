package oidc

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse"
)

// TestAMR: the amr claim names what the session's sign-in proved, in RFC 8176
// values: a password alone is pwd, a passkey (user verified) hwk and mfa, and
// each second factor its own value.
func TestAMR(t *testing.T) {
	signIn := func(method string) *gatehouse.AuditEvent {
		d := map[string]string{"stage": "active"}
		if method != "" {
			d["method"] = method
		}
		return &gatehouse.AuditEvent{Type: gatehouse.EventSignIn, Details: d}
	}
	verified := func(d map[string]string) *gatehouse.AuditEvent {
		return &gatehouse.AuditEvent{Type: gatehouse.EventCodeVerified, Details: d}
	}
	for _, c := range []struct {
		name string
		evs  []*gatehouse.AuditEvent
		want string
	}{
		{"password alone", []*gatehouse.AuditEvent{signIn("")}, "pwd"},
		{"no events", nil, "pwd"},
		{"app", []*gatehouse.AuditEvent{verified(map[string]string{"method": "app"}), signIn("")}, "pwd otp mfa"},
		{"sms code", []*gatehouse.AuditEvent{verified(map[string]string{"method": "code", "channel": "sms"}), signIn("")}, "pwd sms mfa"},
		{"emailed code", []*gatehouse.AuditEvent{verified(map[string]string{"method": "code", "channel": "email"}), signIn("")}, "pwd otp mfa"},
		{"recovery code", []*gatehouse.AuditEvent{verified(map[string]string{"method": "recovery"}), signIn("")}, "pwd kba mfa"},
		{"passkey as second factor", []*gatehouse.AuditEvent{verified(map[string]string{"method": "passkey"}), signIn("")}, "pwd hwk mfa"},
		{"passkey sign-in", []*gatehouse.AuditEvent{signIn("passkey")}, "hwk mfa"},
		{"passkey sign-in, then a code", []*gatehouse.AuditEvent{verified(map[string]string{"method": "app"}), signIn("passkey")}, "hwk otp mfa"},
		{"led to set up a factor", []*gatehouse.AuditEvent{verified(map[string]string{"method": "setup"}), signIn("")}, "pwd"},
		{"the newest factor counts", []*gatehouse.AuditEvent{verified(map[string]string{"method": "recovery"}), verified(map[string]string{"method": "app"}), signIn("")}, "pwd kba mfa"},
	} {
		if got := amrOf(c.evs); got != c.want {
			t.Errorf("%s: amr %q, want %q", c.name, got, c.want)
		}
	}
}
