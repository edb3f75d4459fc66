package sms_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/sms"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		input, region, want string
		code                string // FieldError code when refused
	}{
		{"+44 7911 123456", "", "+447911123456", ""},
		{"+44 (0)7911-123456", "", "+447911123456", ""},
		{"07911 123456", "GB", "+447911123456", ""},
		{"07911 123456", "gb", "+447911123456", ""},
		{"0044 7911 123456", "GB", "+447911123456", ""},
		{"  +49 151 23456789 ", "", "+4915123456789", ""},
		{"0151-23456789", "DE", "+4915123456789", ""},
		{"+33 6 12 34 56 78", "", "+33612345678", ""},
		{"(415) 555-2671", "US", "+14155552671", ""},
		{"+1.415.555.2671", "", "+14155552671", ""},
		{"+61 412 345 678", "", "+61412345678", ""},
		{"07911 123456", "", "", "invalid_mobile"},                           // national without a region
		{"+44 20 7946 0958", "", "", "not_mobile"},                           // London landline
		{"+44 800 123 4567", "", "", "not_mobile"},                           // toll-free
		{"+1 800 555 1234", "", "", "not_mobile"},                            // toll-free
		{"+800 1234 5678", "", "", "not_mobile"},                             // international freephone
		{"+44 7911 12345", "", "", "unallocated_mobile"},                     // a length some British numbers have, but no line
		{"+44 7911 1234567", "", "", "invalid_mobile"},                       // too long
		{"+44 791", "", "", "invalid_mobile"},                                // too short
		{"+447911123456 ext 5", "", "", "invalid_mobile"},                    // extension
		{"1-800-FLOWERS", "US", "", "invalid_mobile"},                        // letters
		{"tel:+447911123456", "", "", "invalid_mobile"},                      // a URI
		{"", "GB", "", "invalid_mobile"},                                     // empty
		{"++447911123456", "", "+447911123456", ""},                          // a doubled plus is a harmless typo
		{"+44+7911123456", "", "", "invalid_mobile"},                         // garbage
		{"+44 7700 900123", "", "", "unallocated_mobile"},                    // well-formed, Ofcom's drama range: no line has it
		{sms.ExampleNumber, "", "+447400123456", ""},                         // the example every hint shows
		{"+" + strings.Repeat("4", 40), "", "", "invalid_mobile"},            // overlong
		{strings.Repeat(" ", 50) + "+447911123456", "", "+447911123456", ""}, // trimmed first
		{"+44 7911 123456", "ZZ", "+447911123456", ""},                       // international ignores the region
	}
	for _, tt := range tests {
		got, err := sms.ParseNumber(tt.input, tt.region)
		if tt.code == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseNumber(%q, %q) = %q, %v; want %q", tt.input, tt.region, got, err, tt.want)
			}
			continue
		}
		var ge *gatehouse.Error
		if got != "" || !asError(err, &ge) || ge.Code != gatehouse.Invalid || len(ge.Fields) != 1 || ge.Fields[0].Code != tt.code {
			t.Errorf("ParseNumber(%q, %q) = %q, %v; want a %s error", tt.input, tt.region, got, err, tt.code)
			continue
		}
		if msg := gatehouse.ErrorMessage(err); !strings.Contains(msg, "international format, like +44") {
			t.Errorf("message %q is not fit for a form", msg)
		}
	}
}

func asError(err error, target **gatehouse.Error) bool {
	e, ok := err.(*gatehouse.Error)
	*target = e
	return ok
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// FuzzParseNumber checks that no input makes ParseNumber panic or return
// something that is not a stable E.164 number.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"+44 7911 123456", "07911 123456", "(415) 555-2671", "+1", "++", "0", "+800 1234 5678"} {
		f.Add(s, "GB")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, input, region string) {
		got, err := sms.ParseNumber(input, region)
		if err != nil {
			if got != "" {
				t.Fatalf("ParseNumber(%q, %q) = %q with error %v", input, region, got, err)
			}
			return
		}
		if !e164.MatchString(got) {
			t.Fatalf("ParseNumber(%q, %q) = %q, not E.164", input, region, got)
		}
		again, err := sms.ParseNumber(got, "")
		if err != nil || again != got {
			t.Fatalf("ParseNumber(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

// TestNumberMessagesSayWhichProblem: a well-formed but unallocated number is
// not told its format is wrong, and a short one is told it is short.
func TestNumberMessagesSayWhichProblem(t *testing.T) {
	for _, tt := range []struct{ input, want string }{
		{"+44 7700 900123", "No phone line uses this number"},
		{"+44 791", "too few digits"},
		{"+44 7911 1234567", "too many digits"},
		{"+44 hello", "Enter a mobile number in international format"},
	} {
		_, err := sms.ParseNumber(tt.input, "")
		if msg := gatehouse.ErrorMessage(err); !strings.Contains(msg, tt.want) {
			t.Errorf("ParseNumber(%q): %q, want it to say %q", tt.input, msg, tt.want)
		}
	}
}
