package secret_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestTOTPVectors checks TOTPCode against RFC 6238 appendix B (SHA-1, 8 digits
// there; six here are the last six of those).
func TestTOTPVectors(t *testing.T) {
	const seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for _, c := range []struct {
		unix int64
		want string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"},
	} {
		got, err := secret.TOTPCode(seed, secret.TOTPStep(time.Unix(c.unix, 0)))
		if err != nil || got != c.want {
			t.Errorf("at %d: %q, %v; want %q", c.unix, got, err, c.want)
		}
	}
}

func TestNewTOTP(t *testing.T) {
	s, u, err := secret.NewTOTP("Acme Widgets", "jdoe", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 32 { // 160 bits in base32
		t.Errorf("secret %q has %d characters, want 32", s, len(s))
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "otpauth" || p.Host != "totp" || p.Query().Get("secret") != s || p.Query().Get("issuer") != "Acme Widgets" {
		t.Errorf("URL %q", u)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	code, _ := secret.TOTPCode(s, secret.TOTPStep(now))
	if !mustValidate(t, code, s, now) {
		t.Error("an independent check does not accept our code")
	}
}

func mustValidate(t *testing.T, code, s string, at time.Time) bool {
	ok, err := totp.ValidateCustom(code, s, at, totp.ValidateOpts{Digits: otp.DigitsSix})
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
