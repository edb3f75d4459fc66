package web

import (
	"html/template"
	"strings"
)

// uiFuncs are template functions about presentation; init adds them to funcs
// so that every page can use them.
var uiFuncs = template.FuncMap{
	"breakable": breakable,
	// confirmArgs builds what the "confirm" template renders.
	"confirmArgs": func(id, action, csrf, label, text, confirm string) confirmSpec {
		return confirmSpec{ID: id, Action: action, CSRF: csrf, Label: label, Text: text, Confirm: confirm, Class: "danger"}
	},
}

// confirmSpec is a destructive action behind one more click: Label opens it,
// Text says what will happen, Confirm is the button that posts to Action.
type confirmSpec struct {
	ID, Action, CSRF, Label, Text, Confirm, Class string
}

func init() {
	for k, v := range uiFuncs {
		funcs[k] = v
	}
}

// breakable escapes s (an email address, a host name, a long identifier) and
// lets a narrow window wrap it before "@" and after ".", "-" and "_", instead
// of pushing the page sideways or breaking it in the middle of a word.
func breakable(s string) template.HTML {
	var b strings.Builder
	for i, r := range s {
		if r == '@' && i > 0 {
			b.WriteString("<wbr>")
		}
		b.WriteString(template.HTMLEscapeString(string(r)))
		if (r == '.' || r == '-' || r == '_') && i < len(s)-1 {
			b.WriteString("<wbr>")
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every piece is escaped above
}
