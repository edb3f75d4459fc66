package gatehouse

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Two-factor sign-in (S11–S14, S16): one-time codes sent by SMS or email,
// authenticator apps (TOTP), recovery codes and trusted browsers.

// Values of the setting two_factor.
const (
	TwoFactorOff      = "off"      // password only
	TwoFactorOptional = "optional" // members with an authenticator app are asked for it
	TwoFactorRequired = "required" // every member proves a second factor (S13)
)

// MaxCodeAttempts is how many wrong tries kill a code sent by SMS or email.
const MaxCodeAttempts = 5

// CodeDigits is the length of codes sent by SMS or email.
const CodeDigits = 6

// CodePurpose says what a code sent by SMS or email proves.
type CodePurpose string

// Code purposes.
const (
	CodeSignIn CodePurpose = "signin" // the second factor of a sign-in
	CodeMobile CodePurpose = "mobile" // that a new mobile number is the member's (S14)
)

// SentCode is a one-time numeric code sent by SMS or email. A session has at most
// one code per purpose: sending another replaces it. Only a keyed hash of the
// code is stored.
type SentCode struct {
	ID        string
	OrgID     string
	MemberID  string
	SessionID string // the session the code completes; it dies with it
	Purpose   CodePurpose
	Channel   Channel
	To        string // where it went: E.164 number or email address
	Hash      string
	CreatedAt time.Time
	ExpiresAt time.Time
	// Attempts counts wrong tries. A replacement code inherits the count of the
	// code it replaces unless that one was dead or used, so that asking for a new
	// code never buys extra guesses.
	Attempts  int
	UsedAt    time.Time // zero while unused
	MessageID string    // the outbox message that carries it, for its delivery status
}

// TrustedDevice is a browser that passed the second factor and need not prove
// it again until ExpiresAt (S12). The browser holds a random secret in a signed
// cookie; only its hash is stored.
type TrustedDevice struct {
	ID         string
	OrgID      string
	MemberID   string
	TokenHash  string
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time
	IP         string // the address it was trusted or last used from
	UserAgent  string
}

// Authenticator is a member's authenticator app (TOTP, RFC 6238). Secret is
// the sealed (encrypted) shared secret, never the secret itself. An
// authenticator is pending until its first code confirms it.
type Authenticator struct {
	OrgID       string
	MemberID    string
	Secret      string
	CreatedAt   time.Time
	ConfirmedAt time.Time // zero while pending
	// LastStep is the last time step whose code was accepted: a code of that
	// step or an earlier one is never accepted again.
	LastStep int64
}

// Confirmed reports whether the authenticator has been confirmed.
func (a *Authenticator) Confirmed() bool { return a != nil && !a.ConfirmedAt.IsZero() }

// TwoFactorStore keeps the codes sent for a second step and the browsers a
// member trusts; AuthenticatorStore keeps the authenticator app and the
// recovery codes.
type TwoFactorStore interface {
	// SaveCode stores c as the code of its session and purpose, replacing any
	// earlier one. The replacement keeps the Attempts of the code it replaces
	// unless that one was used or had reached deadAt wrong tries; c.Attempts is
	// set to the stored count.
	SaveCode(ctx context.Context, c *SentCode, deadAt int) error
	// SessionCode returns the code of the session for the purpose.
	SessionCode(ctx context.Context, orgID, sessionID string, purpose CodePurpose) (*SentCode, error)
	// TryCode checks hash against the code with id in one atomic step: when it
	// matches, the code is marked used at now; otherwise its Attempts goes up.
	// It returns the code as it then stands, or NotFound when the code is
	// unknown, used, expired at now, or already has maxAttempts wrong tries.
	TryCode(ctx context.Context, id, hash string, now time.Time, maxAttempts int) (*SentCode, error)

	CreateTrustedDevice(ctx context.Context, d *TrustedDevice) error
	// TrustedDeviceByToken returns the device whose TokenHash is hash, expired or not.
	TrustedDeviceByToken(ctx context.Context, hash string) (*TrustedDevice, error)
	// TouchTrustedDevice records a use of the device.
	TouchTrustedDevice(ctx context.Context, id string, at time.Time, ip, userAgent string) error
	// TrustedDevices lists the member's devices unexpired at now, newest first.
	TrustedDevices(ctx context.Context, orgID, memberID string, now time.Time) ([]*TrustedDevice, error)
	DeleteTrustedDevice(ctx context.Context, orgID, memberID, id string) error
	// DeleteTrustedDevices forgets every device of the member and returns how many.
	DeleteTrustedDevices(ctx context.Context, orgID, memberID string) (int, error)
}

// AuthenticatorStore keeps a member's authenticator app and recovery codes.
type AuthenticatorStore interface {
	// SaveAuthenticator stores a, replacing the member's authenticator if any.
	SaveAuthenticator(ctx context.Context, a *Authenticator) error
	Authenticator(ctx context.Context, orgID, memberID string) (*Authenticator, error)
	// UseAuthenticatorStep records step as the last used step of the member's
	// authenticator, atomically and only when it is later than the stored one;
	// it confirms a pending authenticator at the same time (at). Otherwise, and
	// for a member without an authenticator, it returns Conflict, so that of
	// two concurrent uses of one code only one succeeds.
	UseAuthenticatorStep(ctx context.Context, orgID, memberID string, step int64, at time.Time) error
	DeleteAuthenticator(ctx context.Context, orgID, memberID string) error

	// ReplaceRecoveryCodes forgets the member's recovery codes and stores the
	// given hashes as the new ones.
	ReplaceRecoveryCodes(ctx context.Context, orgID, memberID string, hashes []string, at time.Time) error
	// UseRecoveryCode marks the unused recovery code with hash used at now,
	// atomically; NotFound when there is none.
	UseRecoveryCode(ctx context.Context, orgID, memberID, hash string, now time.Time) error
	// RecoveryCodesLeft counts the member's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, orgID, memberID string) (int, error)
}

// MaskPhone shows the last four digits of a number only: "•••• 1234".
func MaskPhone(e164 string) string {
	if len(e164) < 4 {
		return "••••"
	}
	return "•••• " + e164[len(e164)-4:]
}

// MaskEmail shows the first character of the local part and the domain:
// "a•••@example.com".
func MaskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 1 {
		return "•••"
	}
	_, n := utf8.DecodeRuneInString(addr) // the first character, not the first byte
	return addr[:n] + "•••" + addr[at:]
}
