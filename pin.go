package gatehouse

// Support PIN (S28): a short number a member (an owner must, when the
// organization says so) keeps so that the service desk can verify them on the
// telephone. It is stored hashed like a password; its strength comes from the
// throttle on checks, not from its length.

// Lengths of a support PIN.
const (
	SupportPINMinLength = 6
	SupportPINMaxLength = 8
)

// ValidateSupportPIN checks a new support PIN for field: 6 to 8 digits, not one
// digit repeated nor a run like 123456 or 987654, which are the first guesses.
func ValidateSupportPIN(field, pin string) *FieldError {
	if pin == "" {
		return &FieldError{Field: field, Code: "required", Message: "Enter a support PIN of 6 to 8 digits."}
	}
	if len(pin) < SupportPINMinLength || len(pin) > SupportPINMaxLength {
		return &FieldError{Field: field, Code: "invalid_length", Message: "A support PIN has 6 to 8 digits."}
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return &FieldError{Field: field, Code: "not_digits", Message: "A support PIN has only digits (0 to 9)."}
		}
	}
	if repetitive(pin) {
		return &FieldError{Field: field, Code: "too_simple", Message: "This PIN is too easy to guess (a repeated or sequential pattern such as 111111 or 123456)."}
	}
	return nil
}

// WellFormedSupportPIN reports whether pin has the shape of a support PIN
// (6 to 8 digits), for checking a PIN said on the telephone.
func WellFormedSupportPIN(pin string) bool {
	if len(pin) < SupportPINMinLength || len(pin) > SupportPINMaxLength {
		return false
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return false
		}
	}
	return true
}
