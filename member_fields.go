package gatehouse

import "slices"

// UsernameTaken is the problem of a username another member of the
// organization has.
var UsernameTaken = FieldError{Field: "username", Code: "taken", Message: "That username is already taken."}

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
