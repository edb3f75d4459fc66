package web

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// apiFieldNames renames the fields of a refusal to the names the API's JSON
// uses where they differ from the use cases' (which are the forms' names):
// a member's display name is "display_name" in the API, "name" on the pages.
func apiFieldNames(r *http.Request, fields []gatehouse.FieldError) []gatehouse.FieldError {
	if !strings.HasPrefix(r.URL.Path, apiPrefix+"/members") {
		return fields
	}
	out := make([]gatehouse.FieldError, len(fields))
	for i, f := range fields {
		if f.Field == "name" {
			f.Field = "display_name"
		}
		out[i] = f
	}
	return out
}
