package web

import "testing"

// TestDuplicateKey checks the walk over nested objects and lists: a name twice
// in one object is found with its path; the same name in different objects is
// not a duplicate.
func TestDuplicateKey(t *testing.T) {
	for _, c := range []struct {
		body string
		want string
	}{
		{`{"a": 1, "b": 2}`, ""},
		{`{"a": 1, "a": 2}`, "a"},
		{`{"a": 1, "A": 2}`, "A"},
		{`{"k": 1, "\u212a": 2}`, "\u212a"}, // the Kelvin sign folds to k, as encoding/json matches it
		{`{"a": {"b": 1}, "c": {"b": 2}}`, ""},
		{`{"a": {"b": 1, "b": 2}}`, "a.b"},
		{`{"a": [{"b": 1}, {"b": 2}]}`, ""},
		{`{"a": [{"b": 1, "c": [], "b": 2}]}`, "a.b"},
		{`{"a": [1, {"x": {}}], "a": 2}`, "a"},
		{`[{"a": 1}, {"a": 1}]`, ""},
		{`{"a": 1, "b": `, ""},  // malformed: the decoder reports it
		{`{"a": 1, "a": `, "a"}, // the name twice, before the body breaks off
	} {
		got, dup := duplicateKey([]byte(c.body))
		if got != c.want || dup != (c.want != "") {
			t.Errorf("duplicateKey(%s) = %q, %v; want %q", c.body, got, dup, c.want)
		}
	}
}

// TestInvalidText checks UTF-8 and \u escapes inside and outside strings.
func TestInvalidText(t *testing.T) {
	for _, c := range []struct {
		body string
		at   int
		bad  bool
	}{
		{`{"a": "ok \u00e9 \ud83d\ude00 \\ud800"}`, 0, false}, // an escaped backslash, then text
		{"{\"a\": \"\xff\"}", 7, true},
		{`{"a": "\ud800"}`, 7, true},
		{`{"a": "\udfff"}`, 7, true},
		{`{"a": "\ud800\u0041"}`, 7, true},
		{`{"a": "\ud800`, 7, true},
		{`{"a": "\u12"}`, 0, false}, // malformed: the decoder reports it
	} {
		at, bad := invalidText([]byte(c.body))
		if bad != c.bad || (bad && at != c.at) {
			t.Errorf("invalidText(%q) = %d, %v; want %d, %v", c.body, at, bad, c.at, c.bad)
		}
	}
}
