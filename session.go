package gatehouse

import "time"

// Stage says how far a session has come. Only an active session gives access to
// the account; the others allow only the one step that completes the sign-in.
type Stage string

// Session stages.
const (
	StageActive        Stage = "active"         // signed in
	StageRenewPassword Stage = "renew_password" // password correct but expired or flagged: must choose a new one
	StageSecondFactor  Stage = "second_factor"  // password correct; a second factor is still needed
	// StageSetupSecondFactor: an administrator or owner who has no second
	// factor that counts for them (two_factor_admin_methods) must set one up
	// before anything else.
	StageSetupSecondFactor Stage = "setup_second_factor"
)

// Session is a server-side session. The cookie carries a 256-bit random secret;
// only its hash (TokenHash) is stored. ID is a public handle used to list and end
// sessions; it reveals nothing about the secret.
type Session struct {
	ID        string
	TokenHash string
	OrgID     string
	MemberID  string
	Stage     Stage
	// AfterReset is set when the session follows a completed password reset; the
	// two-factor step reads it (setting reset_requires_second_factor).
	AfterReset bool
	CreatedAt  time.Time
	LastSeenAt time.Time
	// IdleExpiresAt is LastSeenAt plus the idle timeout; ExpiresAt is the absolute
	// end, CreatedAt plus the absolute timeout. A session is valid before both.
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
	IP            string
	UserAgent     string
}

// Valid reports whether the session has not expired at now.
func (s *Session) Valid(now time.Time) bool {
	return now.Before(s.IdleExpiresAt) && now.Before(s.ExpiresAt)
}

// TokenPurpose says what a one-time token is for.
type TokenPurpose string

// Token purposes.
const (
	PurposeReset      TokenPurpose = "reset"      // forgotten-password link
	PurposeActivation TokenPurpose = "activation" // first password of a new account, or an administrator's activation code
	PurposeSetup      TokenPurpose = "setup"      // creates the first owner of a fresh installation
)

// Token is a one-time token. Only the hash of the secret is stored; the secret is
// shown once, in a link. A token is single-use: UsedAt is set when it is redeemed.
type Token struct {
	Hash     string
	OrgID    string
	MemberID string // "" for setup tokens
	Purpose  TokenPurpose
	// SentTo is the address the link was emailed to ("" when it was not):
	// using it proves that the address reaches the member.
	SentTo    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while unused
}

// Usable reports whether the token can still be redeemed at now.
func (t *Token) Usable(now time.Time) bool {
	return t.UsedAt.IsZero() && now.Before(t.ExpiresAt)
}
