package gatehouse

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a member may do in their organization.
type Role string

// Roles, from least to most powerful.
const (
	RoleMember        Role = "member"
	RoleAdministrator Role = "administrator"
	RoleOwner         Role = "owner"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	return r == RoleMember || r == RoleAdministrator || r == RoleOwner
}

// IsAdmin reports whether the role gives access to the admin area.
func (r Role) IsAdmin() bool { return r == RoleAdministrator || r == RoleOwner }

// State is the life-cycle state of an account (S29).
type State string

// Account states.
const (
	StateNeverActivated State = "never_activated" // created without a password; waits for activation
	StateActive         State = "active"
	StateExpired        State = "expired" // the account (not only its password) has expired
	StateDisabled       State = "disabled"
)

// Valid reports whether s is one of the known states.
func (s State) Valid() bool {
	return s == StateNeverActivated || s == StateActive || s == StateExpired || s == StateDisabled
}

// Member is a person with an account in an organization.
type Member struct {
	ID          string
	OrgID       string
	Username    string
	DisplayName string
	Email       string // personal email
	WorkEmail   string
	Mobile      string // E.164, "" when none
	Role        Role
	State       State
	// ExpiresAt is the account expiry date; zero means never. A member whose account
	// has expired cannot sign in, whatever State says.
	ExpiresAt          time.Time
	PasswordHash       string // PHC string; "" when no password was ever set
	PasswordChangedAt  time.Time
	MustChangePassword bool
	// MustSetUpSecondFactor: an administrator asked the member to set up a
	// second factor at their next sign-in (an app, a passkey or a verified
	// mobile number); the next complete sign-in clears it.
	MustSetUpSecondFactor bool
	SupportPINHash        string
	CreatedAt             time.Time
	UpdatedAt             time.Time
	// LastSignInAt is when the member last completed a sign-in; zero means
	// never. Only MemberStore.RecordSignIn writes it: UpdateMember leaves it.
	LastSignInAt time.Time
	// Language and TimeZone are the member's own choices (a language code of
	// Languages, an IANA zone name); "" leaves them to the browser and the
	// organization's defaults.
	Language string
	TimeZone string
	// VerifiedEmail is the last address proven to reach the member: an
	// emailed link (activation, reset, a change of address) sent there was used, at
	// EmailVerifiedAt. A changed address is unverified until the next one.
	VerifiedEmail   string
	EmailVerifiedAt time.Time
	// VerifiedMobile is the number a code sent by SMS was last entered from
	// (a confirmation of the number, a sign-in code), at MobileVerifiedAt.
	// A number an administrator sets is unverified until then
	// (MobileVerified).
	VerifiedMobile   string
	MobileVerifiedAt time.Time
}

// MobileVerified reports whether the member's mobile number is proven to
// reach them: a code sent to it came back. An unverified number carries
// sign-in codes only when the member has no other second factor, and never
// counts as an administrator's second factor.
func (m *Member) MobileVerified() bool {
	return m.Mobile != "" && m.Mobile == m.VerifiedMobile
}

// EmailVerified reports whether addr is the address an emailed link last
// proved to reach the member (EmailVerified).
func (m *Member) EmailVerified(addr string) bool {
	return addr != "" && NormalizeIdentifier(addr) == NormalizeIdentifier(m.VerifiedEmail)
}

// MemberChange names the fields of one member that a write changes; nil fields
// keep what the database holds. Each use case sets only the fields it owns, in
// a transaction that has locked and re-read the member (MemberStore.LockMember),
// so that two writes to one member never undo each other: a password change
// cannot restore a role an owner has just taken away.
type MemberChange struct {
	DisplayName           *string
	Email                 *string
	WorkEmail             *string
	Mobile                *string
	Role                  *Role
	State                 *State
	ExpiresAt             *time.Time // the zero time removes the expiry date
	PasswordHash          *string
	PasswordChangedAt     *time.Time
	MustChangePassword    *bool
	MustSetUpSecondFactor *bool
	SupportPINHash        *string
	Language              *string
	TimeZone              *string
	// VerifiedEmail records the address a used emailed link was sent to;
	// EmailVerifiedAt becomes UpdatedAt with it.
	VerifiedEmail *string
	// VerifiedMobile records the number a code came back from ("" makes the
	// member's number unverified); MobileVerifiedAt becomes UpdatedAt with it.
	VerifiedMobile *string
	UpdatedAt      time.Time // always written
}

// Apply writes the fields c names into m, so that a caller holding the row it
// locked has what the database now holds.
func (c MemberChange) Apply(m *Member) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&m.DisplayName, c.DisplayName)
	set(&m.Email, c.Email)
	set(&m.WorkEmail, c.WorkEmail)
	set(&m.Mobile, c.Mobile)
	set(&m.PasswordHash, c.PasswordHash)
	set(&m.SupportPINHash, c.SupportPINHash)
	set(&m.Language, c.Language)
	set(&m.TimeZone, c.TimeZone)
	if c.VerifiedEmail != nil {
		m.VerifiedEmail, m.EmailVerifiedAt = *c.VerifiedEmail, c.UpdatedAt
	}
	if c.VerifiedMobile != nil {
		m.VerifiedMobile, m.MobileVerifiedAt = *c.VerifiedMobile, c.UpdatedAt
	}
	if c.Role != nil {
		m.Role = *c.Role
	}
	if c.State != nil {
		m.State = *c.State
	}
	if c.ExpiresAt != nil {
		m.ExpiresAt = *c.ExpiresAt
	}
	if c.PasswordChangedAt != nil {
		m.PasswordChangedAt = *c.PasswordChangedAt
	}
	if c.MustChangePassword != nil {
		m.MustChangePassword = *c.MustChangePassword
	}
	if c.MustSetUpSecondFactor != nil {
		m.MustSetUpSecondFactor = *c.MustSetUpSecondFactor
	}
	m.UpdatedAt = c.UpdatedAt
}

// EffectiveState returns the member's state at now, taking the account expiry date
// into account.
func (m *Member) EffectiveState(now time.Time) State {
	if m.State == StateActive && !m.ExpiresAt.IsZero() && !now.Before(m.ExpiresAt) {
		return StateExpired
	}
	return m.State
}

// PasswordExpired reports whether the member's password is older than maxAgeDays
// (0 means passwords never expire) at now (S8).
func (m *Member) PasswordExpired(now time.Time, maxAgeDays int) bool {
	if maxAgeDays <= 0 || m.PasswordChangedAt.IsZero() {
		return false
	}
	return !now.Before(m.PasswordChangedAt.AddDate(0, 0, maxAgeDays))
}

// Name returns the display name, or the username when there is none.
func (m *Member) Name() string {
	if m.DisplayName != "" {
		return m.DisplayName
	}
	return m.Username
}

// Emails returns the member's non-empty email addresses, personal first.
func (m *Member) Emails() []string {
	var out []string
	if m.Email != "" {
		out = append(out, m.Email)
	}
	if m.WorkEmail != "" && !strings.EqualFold(m.WorkEmail, m.Email) {
		out = append(out, m.WorkEmail)
	}
	return out
}

// ContactEmail returns the address to which the member's mail goes: the work email
// when there is one, else the personal email.
func (m *Member) ContactEmail() string {
	if m.WorkEmail != "" {
		return m.WorkEmail
	}
	return m.Email
}

// NormalizeIdentifier returns the form in which usernames and email addresses are
// compared: trimmed and lower-cased (S18).
func NormalizeIdentifier(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// Limits on member fields.
const (
	MaxUsernameLength    = 64
	MaxDisplayNameLength = 128
	MaxEmailLength       = 254
)

// ValidateUsername checks a username: 1 to 64 characters of letters, digits and . _ -
// (no @, so a username can never be mistaken for an email address).
func ValidateUsername(u string) *FieldError {
	if u == "" {
		return &FieldError{Field: "username", Code: "required", Message: "Enter a username."}
	}
	if utf8.RuneCountInString(u) > MaxUsernameLength {
		return &FieldError{Field: "username", Code: "too_long", Message: "A username has at most 64 characters."}
	}
	for _, r := range u {
		ok := r == '.' || r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return &FieldError{Field: "username", Code: "invalid_character", Message: "A username may contain only letters, digits, dots, hyphens and underscores."}
		}
	}
	return nil
}

// ValidateEmail checks the shape of an email address for field. It accepts what a
// person can reasonably type (local@domain with a dot in the domain) and refuses
// control characters, spaces and overlong values; deliverability is the mail
// server's business.
func ValidateEmail(field, e string, required bool) *FieldError {
	if e == "" {
		if required {
			return &FieldError{Field: field, Code: "required", Message: "Enter an email address."}
		}
		return nil
	}
	if len(e) > MaxEmailLength || !utf8.ValidString(e) {
		return &FieldError{Field: field, Code: "invalid", Message: "Enter a valid email address."}
	}
	at := strings.LastIndexByte(e, '@')
	if at < 1 || at == len(e)-1 || strings.Count(e, "@") != 1 || strings.ContainsAny(e, " \t\r\n<>,;\"()[]\\") {
		return &FieldError{Field: field, Code: "invalid", Message: "Enter a valid email address, like name@example.com."}
	}
	domain := e[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return &FieldError{Field: field, Code: "invalid", Message: "Enter a valid email address, like name@example.com."}
	}
	for _, r := range e {
		if r < 0x20 || r == 0x7f {
			return &FieldError{Field: field, Code: "invalid", Message: "Enter a valid email address."}
		}
	}
	return nil
}

// CheckMailAddress reports whether addr is a bare email address as net/mail
// parses it: local@domain, no display name, no angle brackets, no control
// characters, at most 254 bytes. It is the rule the mail transport applies to
// the sender of every message (mail.CheckAddress), so a sender address that
// passes here can be sent from.
func CheckMailAddress(addr string) error {
	if addr == "" {
		return errors.New("empty address")
	}
	if len(addr) > MaxEmailLength {
		return errors.New("invalid address")
	}
	for _, r := range addr {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return errors.New("invalid address")
		}
	}
	a, err := netmail.ParseAddress(addr)
	if err != nil || a.Name != "" || a.Address != addr {
		return fmt.Errorf("invalid address %q", addr)
	}
	return nil
}

// ValidateDisplayName checks a display name.
func ValidateDisplayName(n string) *FieldError {
	if !utf8.ValidString(n) || utf8.RuneCountInString(n) > MaxDisplayNameLength {
		return &FieldError{Field: "name", Code: "too_long", Message: "A name has at most 128 characters."}
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f {
			return &FieldError{Field: "name", Code: "invalid_character", Message: "A name may not contain control characters."}
		}
	}
	return nil
}

// ValidateE164 checks that s looks like an E.164 number: + and 8 to 15 digits.
// Parsing numbers typed by people (spaces, national formats) is done at the edge,
// which hands the domain a normalized number.
func ValidateE164(field, s string) *FieldError {
	if s == "" {
		return nil
	}
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return &FieldError{Field: field, Code: "invalid", Message: "Enter a mobile number in international format, like +44 7400 123456."}
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return &FieldError{Field: field, Code: "invalid", Message: "Enter a mobile number in international format, like +44 7400 123456."}
		}
	}
	return nil
}
