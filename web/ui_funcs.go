package web

import (
	"html/template"
	"strings"
)

// uiFuncs are template functions about presentation; init adds them to funcs
// so that every page can use them.
var uiFuncs = template.FuncMap{
	"breakable": breakable,
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
