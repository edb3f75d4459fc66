package sms

import (
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/nyaruka/phonenumbers"
)

// maxNumberInput caps what ParseNumber hands to the parser. The longest
// international number is 15 digits; 40 characters leave room for spaces,
// brackets and dashes while keeping a hostile input from costing anything.
const maxNumberInput = 40

// The messages ParseNumber's errors carry, written for a form.
const (
	msgInvalidNumber = "Enter a mobile number in international format, like " + ExampleNumber + "."
	msgTooShort      = "This number has too few digits. Enter a mobile number in international format, like " + ExampleNumber + "."
	msgTooLong       = "This number has too many digits. Enter a mobile number in international format, like " + ExampleNumber + "."
	msgUnallocated   = "No phone line uses this number: check the digits. Enter a mobile number in international format, like " + ExampleNumber + "."
	msgNotMobile     = "This number cannot receive text messages. Enter a mobile number in international format, like " + ExampleNumber + "."
)

// ExampleNumber is the mobile number hints and messages show: libphonenumber's
// own example of a British mobile, so ParseNumber accepts it (the Ofcom drama
// range +44 7700 900xxx, often used as an example, is unallocated and refused).
const ExampleNumber = "+44 7400 123456"

// ParseNumber validates a mobile number as people type it ("+44 7911 123456",
// "07911 123456" with defaultRegion "GB", "(415) 555-2671" with "US") and returns
// it in E.164 ("+447911123456"), the form stored and sent to providers.
// defaultRegion is an ISO 3166 code for numbers written without their country
// code; with "" only international numbers are accepted.
//
// Only digits, spaces, "+", "-", ".", "/" and brackets are allowed; letters,
// extensions and numbers that cannot receive texts (landlines, toll-free,
// premium and shared-cost numbers) are refused. The error is an Invalid
// gatehouse.Error for the field "mobile" whose message can be shown as it is.
func ParseNumber(input, defaultRegion string) (string, error) {
	input = strings.TrimSpace(input)
	if input == "" || len(input) > maxNumberInput || strings.Trim(input, "0123456789+-./() \t") != "" {
		return "", numberError("invalid_mobile", msgInvalidNumber)
	}
	n, err := phonenumbers.Parse(input, strings.ToUpper(defaultRegion))
	if err != nil || n.GetExtension() != "" {
		return "", numberError("invalid_mobile", msgInvalidNumber)
	}
	if !phonenumbers.IsValidNumber(n) {
		// Say which problem it is: the digits do not fit the country's
		// lengths, or they fit but no line has them.
		switch phonenumbers.IsPossibleNumberWithReason(n) {
		case phonenumbers.IS_POSSIBLE:
			return "", numberError("unallocated_mobile", msgUnallocated)
		case phonenumbers.TOO_SHORT:
			return "", numberError("invalid_mobile", msgTooShort)
		case phonenumbers.TOO_LONG:
			return "", numberError("invalid_mobile", msgTooLong)
		}
		return "", numberError("invalid_mobile", msgInvalidNumber)
	}
	switch phonenumbers.GetNumberType(n) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		// Where mobile and fixed numbers share one plan (North America and a
		// few others), the metadata cannot tell them apart; the provider will.
	default:
		return "", numberError("not_mobile", msgNotMobile)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func numberError(code, msg string) error {
	return gatehouse.InvalidFields("sms.ParseNumber", gatehouse.FieldError{Field: "mobile", Code: code, Message: msg})
}
