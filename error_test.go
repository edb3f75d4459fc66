package gatehouse

import (
	"errors"
	"fmt"
	"testing"
)

// TestErrorSurvivesWrapping: code, message and fields of an *Error are found
// through any wrapping with %w, which a type assertion would miss.
func TestErrorSurvivesWrapping(t *testing.T) {
	inner := InvalidFields("op", FieldError{Field: "email", Code: "format", Message: "not an address"})
	wrapped := fmt.Errorf("creating a member: %w", fmt.Errorf("validating: %w", inner))
	if fs := ErrorFields(wrapped); len(fs) != 1 || fs[0].Field != "email" {
		t.Errorf("ErrorFields(wrapped) = %v, want the email field", fs)
	}
	if !IsCode(wrapped, Invalid) || ErrorMessage(wrapped) != "not an address" {
		t.Errorf("code %q, message %q", ErrorCode(wrapped), ErrorMessage(wrapped))
	}
	if fs := ErrorFields(errors.New("plain")); fs != nil {
		t.Errorf("ErrorFields(plain) = %v, want nil", fs)
	}
	if fs := ErrorFields(nil); fs != nil {
		t.Errorf("ErrorFields(nil) = %v, want nil", fs)
	}
}
