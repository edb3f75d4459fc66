// Package passkey holds passkeys (WebAuthn credentials): registering them on
// the account page, and the ceremonies that prove them at sign-in, as a second
// factor after the password or as the whole sign-in. The ceremonies are those
// of github.com/go-webauthn/webauthn; this package decides what is stored,
// which challenges exist, who they belong to and how long they live.
//
// Rules:
//   - The relying party id and origin come from the configured public URL, never
//     from a request.
//   - A challenge is single-use, bound to the session (or, before there is one,
//     to the browser) that asked for it, expires in five minutes and is kept in
//     the database, so that every replica can finish what another began.
//   - A passkey is accepted only for the member who owns it; its signature
//     counter must go up (unless the authenticator keeps none: both zero), and a
//     counter that goes back is refused and audited as a possible clone.
package passkey

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Passkey is one registered WebAuthn credential of a member.
type Passkey struct {
	ID           string
	OrgID        string
	MemberID     string
	CredentialID string // base64url without padding, as the browser sends it
	Name         string // chosen by the member
	AAGUID       string // the authenticator model, "00000000-0000-0000-0000-000000000000" when unknown
	// Credential is the library's record of the credential (public key,
	// transports, attestation) as JSON. SignCount and the flags below are kept
	// in their own columns, checked and updated at every use.
	Credential     []byte
	SignCount      uint32
	BackupEligible bool
	BackupState    bool
	UserVerified   bool // the authenticator verified the user at registration
	CreatedAt      time.Time
	LastUsedAt     time.Time // zero: never used to sign in
}

// Purposes of a challenge.
const (
	PurposeRegister     = "register"      // adding a passkey on the account page
	PurposeSecondFactor = "second_factor" // proving the second factor after the password
	PurposeSignIn       = "sign_in"       // signing in with a passkey alone
)

// Challenge is a ceremony begun and not finished yet.
type Challenge struct {
	ID       string // SHA-256 of the challenge, hex: the challenge itself is only in the browser
	OrgID    string
	MemberID string // "" for a sign-in with a passkey alone: the member is not known yet
	Purpose  string
	// Binding is the SHA-256 (hex) of what the challenge is bound to: the session
	// that asked, or a random value in a cookie of the browser that asked.
	Binding   string
	Data      []byte // the library's session data, JSON
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ChallengeTTL is how long a ceremony may take.
const ChallengeTTL = 5 * time.Minute

// Store keeps passkeys and challenges. sqlstore.Store implements it. Every
// method that does not find its row returns an error for which
// gatehouse.IsCode(err, gatehouse.NotFound) is true.
type Store interface {
	CreatePasskey(ctx context.Context, p *Passkey) error
	// Passkeys lists the member's passkeys, oldest first.
	Passkeys(ctx context.Context, orgID, memberID string) ([]*Passkey, error)
	PasskeyByCredential(ctx context.Context, orgID, credentialID string) (*Passkey, error)
	// UsePasskey records a use: the new counter and backup state, at, but only
	// while the stored counter is still oldCount, so that two uses with one
	// counter cannot both pass (NotFound for the second).
	UsePasskey(ctx context.Context, orgID, id string, oldCount, newCount uint32, backupState bool, at time.Time) error
	RenamePasskey(ctx context.Context, orgID, memberID, id, name string) error
	DeletePasskey(ctx context.Context, orgID, memberID, id string) error
	// DeletePasskeys removes every passkey of the member and says how many.
	DeletePasskeys(ctx context.Context, orgID, memberID string) (int, error)

	SaveChallenge(ctx context.Context, c *Challenge) error
	// TakeChallenge removes and returns the challenge with the id, purpose and
	// binding, unexpired at now: a challenge is taken once.
	TakeChallenge(ctx context.Context, orgID, id, purpose, binding string, now time.Time) (*Challenge, error)

	Member(ctx context.Context, orgID, id string) (*gatehouse.Member, error)
	Settings(ctx context.Context, orgID string) (map[string]string, error)
	AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error
	Enqueue(ctx context.Context, m *gatehouse.Message) error
	DeleteTrustedDevices(ctx context.Context, orgID, memberID string) (int, error)
	// PasskeyTx runs fn in one transaction (a savepoint inside one).
	PasskeyTx(ctx context.Context, fn func(Store) error) error
}

// Audit events of passkeys.
const (
	EventAdded          = gatehouse.EventPasskeyAdded
	EventRenamed        = gatehouse.EventPasskeyRenamed
	EventRemoved        = gatehouse.EventPasskeyRemoved
	EventRefused        = gatehouse.EventPasskeyRefused
	EventCloneSuspected = gatehouse.EventPasskeyCloneSuspected
)
