package gatehouse

import (
	"context"
	"strings"
	"time"
)

// NewMember is the input for creating an account.
type NewMember struct {
	OrgID       string
	Username    string
	DisplayName string
	Email       string
	WorkEmail   string
	Mobile      string // E.164 (the edge parses what people type)
	Role        Role
	ExpiresAt   time.Time
	// Password, when set, makes the account active at once (the policy applies).
	// Without it the account is never-activated and gets an activation link.
	Password string
}

// Validate trims the profile fields, defaults the role to member, and
// returns every problem of the profile (not of the password).
func (nm *NewMember) Validate() []FieldError {
	nm.Username = strings.TrimSpace(nm.Username)
	nm.Email = strings.TrimSpace(nm.Email)
	nm.WorkEmail = strings.TrimSpace(nm.WorkEmail)
	nm.DisplayName = strings.TrimSpace(nm.DisplayName)
	if nm.Role == "" {
		nm.Role = RoleMember
	}
	var errs []FieldError
	for _, fe := range []*FieldError{
		ValidateUsername(nm.Username),
		ValidateDisplayName(nm.DisplayName),
		ValidateEmail("email", nm.Email, true),
		ValidateEmail("work_email", nm.WorkEmail, false),
		ValidateE164("mobile", nm.Mobile),
	} {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	if !nm.Role.Valid() {
		errs = append(errs, FieldError{Field: "role", Code: "invalid", Message: "The role must be member, administrator or owner."})
	}
	return errs
}

// ErrNoMember is the answer for an id that names no member of the
// organization (or one the caller may not know of).
func ErrNoMember(op string) error {
	return Errorf(NotFound, op, "There is no such member.")
}

// MemberReader reads one member; LoadMember needs nothing else.
type MemberReader interface {
	Member(ctx context.Context, orgID, id string) (*Member, error)
}

// LoadMember returns the organization's member with id through st, or
// ErrNoMember.
func LoadMember(ctx context.Context, st MemberReader, op, orgID, id string) (*Member, error) {
	m, err := st.Member(ctx, orgID, id)
	if IsCode(err, NotFound) {
		return nil, ErrNoMember(op)
	}
	if err != nil {
		return nil, Wrap(op, err)
	}
	return m, nil
}

// MemberLocker locks and reads again one member in a transaction.
type MemberLocker interface {
	LockMember(ctx context.Context, orgID, id string) (*Member, error)
}

// LockMemberFor locks and reads again the organization's member with id, in
// the transaction tx, before a write that depends on what the row holds (see
// MemberStore.LockMember); ErrNoMember when there is none.
func LockMemberFor(ctx context.Context, tx MemberLocker, op, orgID, id string) (*Member, error) {
	m, err := tx.LockMember(ctx, orgID, id)
	if IsCode(err, NotFound) {
		return nil, ErrNoMember(op)
	}
	if err != nil {
		return nil, Wrap(op, err)
	}
	return m, nil
}
