package web

import (
	"fmt"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
)

// TestFieldErrorsThroughWrapping: a domain error wrapped with %w still puts
// its messages next to their fields.
func TestFieldErrorsThroughWrapping(t *testing.T) {
	err := fmt.Errorf("saving: %w", gatehouse.InvalidFields("op",
		gatehouse.FieldError{Field: "email", Code: "format", Message: "Enter an email address."}))
	v := &view{}
	v.fieldErrors(err, "generic")
	if v.Fields["email"] != "Enter an email address." || v.Error != "Please correct the fields marked below." {
		t.Errorf("fields %v, error %q", v.Fields, v.Error)
	}
}
