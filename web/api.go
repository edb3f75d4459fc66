package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// The management API speaks JSON. Bodies are decoded strictly, here and only
// here: an unknown field, a value of the wrong type, a second JSON value, a
// body over the size limit or of another media type, text that is not UTF-8
// (or escapes half a surrogate pair) and a name given twice in one object are
// refused with problem details naming the problem and, where there is one, the
// field. Times are RFC 3339 in UTC.

// maxJSONBytes bounds a request body; the largest legitimate one, a bulk send
// of 500 member ids, takes about 15 KiB.
const maxJSONBytes = 64 << 10

// problemAt writes problem details with status and detail. These are the
// refusals of a request's form (not JSON, too large), for the programmer
// writing a client, and stay English.
func problemAt(w http.ResponseWriter, status int, detail string) {
	writeProblem(w, nil, Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
}

// invalidProblem writes a 422 listing field errors, in the language of r
// (Accept-Language). A nil r keeps them English: the JSON parser's refusals,
// for the programmer of a client, like problemAt's.
func invalidProblem(w http.ResponseWriter, r *http.Request, detail string, fields ...gatehouse.FieldError) {
	writeProblem(w, r, Problem{Type: "https://gatehouse.invalid/problems/invalid-input", Title: http.StatusText(http.StatusUnprocessableEntity),
		Status: http.StatusUnprocessableEntity, Detail: detail, Errors: fields})
}

// decodeJSON reads the request body into dst strictly. When the body is
// refused it answers the request itself and returns false. With optional, an
// empty body is the same as {}.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any, optional bool) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" || !optional {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			problemAt(w, http.StatusUnsupportedMediaType, "Send the body as JSON, with Content-Type: application/json.")
			return false
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			problemAt(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than %d bytes.", maxJSONBytes))
			return false
		}
		problemAt(w, http.StatusBadRequest, "The body could not be read.")
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return true
		}
		problemAt(w, http.StatusBadRequest, "The body is empty: send a JSON object.")
		return false
	}
	if at, bad := invalidText(body); bad {
		problemAt(w, http.StatusBadRequest, fmt.Sprintf("The body is not valid UTF-8 text (at byte %d): send JSON in UTF-8, without lone surrogate escapes.", at))
		return false
	}
	if key, dup := duplicateKey(body); dup {
		f := gatehouse.FieldError{Field: key, Code: "duplicate_field", Message: fmt.Sprintf("%q is given twice: give each field once.", key)}
		if key == "" {
			// No request has a field with the empty name.
			f = gatehouse.FieldError{Field: key, Code: "unknown_field", Message: `There is no field "" here, and it is given twice.`}
		}
		writeProblem(w, r, Problem{Type: "about:blank", Title: http.StatusText(http.StatusBadRequest), Status: http.StatusBadRequest,
			Detail: f.Message, Errors: []gatehouse.FieldError{f}})
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		jsonProblem(w, err)
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		problemAt(w, http.StatusBadRequest, "The body must hold exactly one JSON object.")
		return false
	}
	return true
}

// jsonProblem answers a decoding error: 400 for JSON that is not well-formed,
// 422 naming the field for an unknown field or a value of the wrong type.
func jsonProblem(w http.ResponseWriter, err error) {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		problemAt(w, http.StatusBadRequest, fmt.Sprintf("The body is not valid JSON (at byte %d).", syn.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		problemAt(w, http.StatusBadRequest, "The body is not valid JSON: it ends too early.")
	case errors.As(err, &typ):
		if typ.Field == "" {
			problemAt(w, http.StatusBadRequest, "The body must be a JSON object.")
			return
		}
		f := gatehouse.FieldError{Field: typ.Field, Code: "wrong_type",
			Message: fmt.Sprintf("%s must be %s, not a JSON %s.", typ.Field, typeName(typ.Type), typ.Value)}
		invalidProblem(w, nil, f.Message, f)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		f := gatehouse.FieldError{Field: name, Code: "unknown_field", Message: fmt.Sprintf("There is no field %q here.", name)}
		invalidProblem(w, nil, f.Message, f)
	default:
		problemAt(w, http.StatusBadRequest, "The body is not valid JSON.")
	}
}

// typeName says in words what a Go type holds in JSON.
func typeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(typeName(t.Elem()), "a ") + "s"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// apiQuery is the query string of an API request and its page size.
type apiQuery struct {
	url.Values
	Limit int
}

// parseAPIQuery reads the query string of an endpoint: only the parameters in
// allowed, each at most once (type may repeat). limit, when allowed, must be a
// whole number from 1 to 500 (default 50). It answers the request itself and
// returns false when the query is refused.
func parseAPIQuery(w http.ResponseWriter, r *http.Request, allowed ...string) (*apiQuery, bool) {
	q := &apiQuery{Values: r.URL.Query(), Limit: 50}
	var errs []gatehouse.FieldError
	keys := make([]string, 0, len(q.Values))
	for k := range q.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a stable order of errors
	for _, k := range keys {
		vs := q.Values[k]
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		switch {
		case !ok:
			errs = append(errs, gatehouse.FieldError{Field: k, Code: "unknown_parameter", Message: fmt.Sprintf("There is no query parameter %q here.", k)})
		case len(vs) > 1 && k != "type":
			errs = append(errs, gatehouse.FieldError{Field: k, Code: "repeated", Message: fmt.Sprintf("Give %s once.", k)})
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			errs = append(errs, gatehouse.FieldError{Field: "limit", Code: "out_of_range", Message: "limit must be a whole number from 1 to 500."})
		}
		q.Limit = n
	}
	if len(errs) > 0 {
		invalidProblem(w, r, errs[0].Message, errs...)
		return nil, false
	}
	return q, true
}

// parseAPITime reads an RFC 3339 time (or a date, meaning its midnight UTC).
func parseAPITime(field, v string) (time.Time, *gatehouse.FieldError) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, &gatehouse.FieldError{Field: field, Code: "invalid", Message: field + " must be an RFC 3339 time like 2026-03-02T09:00:00Z, or a date like 2026-03-02."}
}

// apiTimeText writes a time for the API; nil for the zero time.
func apiTimeText(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// apiCursor is the next_cursor of a list: null on the last page.
func apiCursor(c string) *string {
	if c == "" {
		return nil
	}
	return &c
}
