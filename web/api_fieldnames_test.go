package web_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestAPIDisplayNameFieldIsNamedAsSent: a refused display_name is reported as
// "display_name", the name the request used, not the form's "name".
func TestAPIDisplayNameFieldIsNamedAsSent(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
	r := apiRequest(t, s, key, "POST", "/members", `{"username": "nico", "email": "nico@example.com", "display_name": "bad\u0007name", "role": "member"}`)
	var p struct {
		Errors []gatehouse.FieldError `json:"errors"`
	}
	decodeJSONBody(t, r, &p)
	if len(p.Errors) != 1 || p.Errors[0].Field != "display_name" {
		t.Errorf("errors: %+v\n%s", p.Errors, r.Body)
	}
	if strings.Contains(r.Body, `"field": "name"`) || strings.Contains(r.Body, `"field":"name"`) {
		t.Error(`the refusal names the field "name"`)
	}
}
