package gatehouse

import (
	"slices"
	"strings"
)

// MemberFields are the profile fields a person types to create an account:
// on the new-member form, through the API, and when the first owner is set
// up. Every problem is found at once, so that a form is answered in one round
// with each field at fault named, not one problem per round.
type MemberFields struct {
	Username    string
	DisplayName string
	Email       string
	WorkEmail   string
	Mobile      string // E.164: the edge parses what people type (package phone)
	Role        Role
}

// Clean trims what people typed around the text fields and gives a new
// account the member role when none is named.
func (f *MemberFields) Clean() {
	f.Username = strings.TrimSpace(f.Username)
	f.DisplayName = strings.TrimSpace(f.DisplayName)
	f.Email = strings.TrimSpace(f.Email)
	f.WorkEmail = strings.TrimSpace(f.WorkEmail)
	if f.Role == "" {
		f.Role = RoleMember
	}
}

// Check returns every problem of the fields, in the order the forms show
// them; none means nil. It does not look at the store (a username already
// taken is the use case's to find).
func (f *MemberFields) Check() []FieldError {
	var errs []FieldError
	for _, fe := range []*FieldError{
		ValidateUsername(f.Username),
		ValidateDisplayName(f.DisplayName),
		ValidateEmail("email", f.Email, true),
		ValidateEmail("work_email", f.WorkEmail, false),
		ValidateE164("mobile", f.Mobile),
	} {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	if !f.Role.Valid() {
		errs = append(errs, FieldError{Field: "role", Code: "invalid", Message: "The role must be member, administrator or owner."})
	}
	return errs
}

// memberFormOrder is the order of the fields on the member forms (the API's
// expires_at beside the page's expires).
var memberFormOrder = []string{"username", "name", "email", "work_email", "mobile", "role", "expires", "expires_at", "password", "confirm_password"}

// OrderMemberFields sorts the problems of a member form in the order of its
// fields, keeping the order of problems of one field; fields it does not
// know go last. A summary then reads as the form does, and the first field
// at fault is the first named.
func OrderMemberFields(errs []FieldError) {
	rank := func(f string) int {
		for i, g := range memberFormOrder {
			if g == f {
				return i
			}
		}
		return len(memberFormOrder)
	}
	slices.SortStableFunc(errs, func(a, b FieldError) int { return rank(a.Field) - rank(b.Field) })
}
