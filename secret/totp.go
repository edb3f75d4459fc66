package secret

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: those every authenticator app understands (RFC 6238 with
// SHA-1, six digits, 30-second steps). Changing them would break enrolled apps.
const (
	TOTPPeriod = 30
	TOTPDigits = 6
)

// NewTOTP returns a new authenticator secret of 160 random bits from r
// (crypto/rand when nil), in base32 as apps expect it, and the otpauth:// URL
// that a QR code carries to the app.
func NewTOTP(issuer, account string, r io.Reader) (secret, url string, err error) {
	if r == nil {
		r = rand.Reader
	}
	var b [20]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", "", fmt.Errorf("secret: reading a TOTP key: %w", err)
	}
	secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	url, err = TOTPURL(issuer, account, secret)
	return secret, url, err
}

// TOTPURL returns the otpauth:// URL (the Key URI format of Google
// Authenticator) that gives the base32 secret to an app.
func TOTPURL(issuer, account, secret string) (string, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return "", fmt.Errorf("secret: the TOTP secret is not base32: %w", err)
	}
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: TOTPPeriod, Secret: raw,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", fmt.Errorf("secret: making a TOTP URL: %w", err)
	}
	return k.URL(), nil
}

// TOTPStep returns the time step that t falls in.
func TOTPStep(t time.Time) int64 {
	return t.Unix() / TOTPPeriod
}

// TOTPCode returns the code of the base32 secret for the time step. It uses
// the HOTP primitive on the step directly, so the caller decides which steps
// to accept and remembers which was used: the library's own Validate has no
// memory and would accept one code many times.
func TOTPCode(secret string, step int64) (string, error) {
	if step < 0 {
		return "", fmt.Errorf("secret: negative TOTP step")
	}
	return hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}
