package web_test

import (
	"html"
	"regexp"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/sms"
)

var exampleNumber = regexp.MustCompile(`like (\+[0-9][0-9 ]+[0-9])`)

// TestMobileExamplesAreAccepted: every example number a page shows beside a
// mobile field is one the validator accepts.
func TestMobileExamplesAreAccepted(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	admin := s.AddMember(t, "adam", "adam@example.com", goodPassword, gatehouse.RoleAdministrator)
	b := signedInAs(t, s, "adam")
	seen := 0
	for _, page := range []string{"/account/mobile", "/admin/members/new", "/admin/members/" + admin.ID} {
		r := b.Get(page)
		for _, m := range exampleNumber.FindAllStringSubmatch(html.UnescapeString(r.Body), -1) {
			seen++
			if _, err := sms.ParseNumber(m[1], ""); err != nil {
				t.Errorf("%s shows the example %q, which is refused: %v", page, m[1], err)
			}
		}
	}
	if seen < 3 {
		t.Errorf("found %d example numbers on the three pages", seen)
	}
}
