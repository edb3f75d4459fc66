package gatehouse

import (
	"context"
	"time"
)

// PasswordHasher hashes and verifies passwords. Package secret implements it with
// argon2id, bounded by a memory budget: when too many hashes wait, the methods
// return an Unavailable error with RetryAfter rather than queue without end.
//
// Passwords are hashed and verified in Unicode Normalization Form KC (NIST SP
// 800-63B-4 5.1.1.2): one text typed in composed or decomposed form is one
// password. Nothing else is changed: no trimming, case folding or truncation.
type PasswordHasher interface {
	// Hash returns the PHC string of the NFKC form of password with the current
	// parameters.
	Hash(ctx context.Context, password string) (string, error)
	// Verify reports whether password matches the PHC (or bcrypt) string hash, in
	// constant time, and whether hash uses weaker parameters, another algorithm
	// or the password as typed before normalization, and should be replaced by a
	// fresh Hash of the password.
	Verify(ctx context.Context, password, hash string) (ok, rehash bool, err error)
	// Dummy does the work of one verification against nothing.
	Dummy(ctx context.Context, password string) error
	// Pad does the hashing a sign-in still owes after Verify(password, hash), or
	// after nothing when hash is "", so that every sign-in of an organization
	// does the same work whichever account, if any, it named. bcryptFloor is the
	// highest cost of the imported bcrypt hashes the organization still stores
	// (MemberStore.LegacyBcryptCost), 0 when there is none.
	Pad(ctx context.Context, password, hash string, bcryptFloor int) error
}

// MessageData is what message templates may show. It never holds a secret other
// than Link (a one-time link) or Code (a one-time code).
type MessageData struct {
	OrgName    string
	MemberName string
	Username   string
	Link       string        // one-time link, built from the configured public URL
	ValidFor   time.Duration // how long Link or Code works
	Code       string        // one-time sign-in or confirmation code
	At         time.Time     // when the event happened
	IP         string        // client address of the event
	UserAgent  string
	SupportURL string // where to go when it was not the member: the sign-in page's recovery link
	AccountURL string // the member's account page, where sessions and second factors are listed

	// Changes are what a security notice (KindSecurityNotice) reports, in order.
	Changes []Change
	// By says who made the changes when it was not the member: ByAdministrator or
	// ByAPI; "" when the member made them.
	By string

	// Language and TimeZone are the recipient's, decided when the message is
	// queued (package outbox): a code of Languages and an IANA zone name.
	Language string
	TimeZone string

	// LogoURL is the organization's logo on its own URL ("" when it has
	// none), which HTML emails show in place of the name; Texts are its own
	// wording of catalog messages in Language (package brand).
	LogoURL string
	Texts   map[string]string
	// AccentColor is the organization's accent colour (#rrggbb, "" for
	// Gatehouse's own), of the buttons and links of HTML emails.
	AccentColor string
}

// Message kinds: the templates package mail provides for each.
const (
	KindReset           = "reset"            // forgotten-password link
	KindActivation      = "activation"       // activation link for a new account or from an administrator
	KindPasswordChanged = "password_changed" // notice after every password change
	KindSecurityNotice  = "security_notice"  // notice after a change of email, mobile or second factor
	KindCode            = "code"             // two-factor code by email
	KindSMSCode         = "sms_code"         // two-factor code by SMS
	KindMobileCode      = "mobile_code"      // SMS code confirming a new mobile number
	// A member's change of an email address: the link that confirms it, sent
	// to the new address, or, when another account uses that address, word
	// that nothing changed.
	KindEmailChange      = "email_change"
	KindEmailChangeInUse = "email_change_in_use"
)

// Composer renders messages from templates.
type Composer interface {
	// Email returns the subject and the plain-text and HTML bodies of an email.
	Email(kind string, d MessageData) (subject, text, html string, err error)
	// SMS returns the body of a text message.
	SMS(kind string, d MessageData) (string, error)
}
