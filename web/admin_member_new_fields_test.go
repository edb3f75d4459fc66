package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// fieldsNamed returns the fields the summary at the top of a refused form
// links to, in its order.
func fieldsNamed(body string) []string {
	list := htmlBetween(body, `<ul class="error-list">`, "</ul>")
	var out []string
	for _, part := range strings.Split(list, `<a href="#`)[1:] {
		out = append(out, part[:strings.Index(part, `"`)])
	}
	return out
}

// TestSetupNamesEveryProblem: the setup form is answered in one round: a bad
// username, a bad address, a weak password and a second password that
// differs are all named at once, in the order of the form, each next to its
// field; then one more round succeeds.
func TestSetupNamesEveryProblem(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		link, err := s.Recovery.SetupLink(t.Context(), gatehouse.DefaultOrgID)
		if err != nil {
			t.Fatal(err)
		}
		token := strings.SplitN(link, "token=", 2)[1]
		b := s.Browser(t)
		b.Get(link)
		r := b.Post("/setup", url.Values{"token": {token}, "username": {"the boss"}, "name": {"The Boss"}, "email": {"boss-at-example"},
			"password": {"short"}, "confirm_password": {"shorter"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%d", r.Status)
		}
		if got := strings.Join(fieldsNamed(r.Body), " "); got != "username email password confirm_password" {
			t.Errorf("the summary names %q", got)
		}
		for _, id := range []string{"username", "email", "password", "confirm_password"} {
			if !strings.Contains(r.Body, `id="`+id+`-error"`) {
				t.Errorf("no message next to %s", id)
			}
		}
		if !strings.Contains(r.Body, "at least 15 characters") || !strings.Contains(r.Body, "not the same") {
			t.Error("the password problems are not told")
		}
		r = b.Post("/setup", url.Values{"token": {token}, "username": {"boss"}, "name": {"The Boss"}, "email": {"boss@example.com"},
			"password": {goodPassword}, "confirm_password": {goodPassword}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("second round: %d", r.Status)
		}
	})
}

// TestNewMemberNamesEveryProblem: the new-member form and the API name every
// bad field at once (it took three rounds): a username already taken, a bad
// address, a mobile number that cannot be read, an unknown date and a
// password the policy refuses; nothing is created.
func TestNewMemberNamesEveryProblem(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		b := signedInAs(t, s, "adam")
		b.Get("/admin/members/new")
		r := b.Post("/admin/members/new", url.Values{"username": {"mia"}, "name": {"Mia Two"}, "email": {"mia@"},
			"work_email": {"work@example"}, "mobile": {"12"}, "role": {"member"}, "expires": {"2026-02-31"}, "password": {"mia"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%d", r.Status)
		}
		want := "username email work_email mobile expires password"
		if got := strings.Join(fieldsNamed(r.Body), " "); got != want {
			t.Errorf("the summary names %q, want every one of %q", got, want)
		}
		if !strings.Contains(r.Body, "That username is already taken.") {
			t.Error("the taken username is not told with the rest")
		}
		if !strings.Contains(r.Body, `value="Mia Two"`) {
			t.Error("what was typed is not kept")
		}
		if n := len(s.Audit(t, gatehouse.EventMemberCreated)); n != 3 {
			t.Errorf("%d members created", n)
		}

		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		api := apiRequest(t, s, key, http.MethodPost, "/members", `{"username":"mia","display_name":"tab\there","email":"x","mobile":"12","expires_at":"soon","password":"mia"}`)
		var p struct {
			Errors []gatehouse.FieldError `json:"errors"`
		}
		decodeJSONBody(t, api, &p)
		var got []string
		for _, fe := range p.Errors {
			got = append(got, fe.Field)
		}
		if api.Status != http.StatusUnprocessableEntity || len(got) != 6 {
			t.Fatalf("API: %d %v\n%s", api.Status, got, api.Body)
		}
		for _, f := range []string{"username", "display_name", "email", "mobile", "expires_at", "password"} {
			if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+f+" ") {
				t.Errorf("API: %s not named in %v", f, got)
			}
		}
	})
}
