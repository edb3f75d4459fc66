package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The session check is the request every integration makes most, so its answer
// is written by hand rather than through encoding/json's reflection and
// indentation, which took a tenth of its time. The bytes are exactly those of
// writeJSON (FuzzSessionJSON compares them), so clients see no difference.

// expiresLayout is the form of SessionInfo.ExpiresAt.
const expiresLayout = "2006-01-02T15:04:05Z"

// appendSessionJSON appends info as writeJSON would encode it with
// ExpiresAt set to exp in UTC, which it formats into b itself (as a string
// of its own, the time was one allocation more on every session check).
func appendSessionJSON(b []byte, info *SessionInfo, exp time.Time) []byte {
	b = append(b, "{\n"...)
	field := func(name, value string, last bool) {
		b = append(b, `  "`...)
		b = append(b, name...)
		b = append(b, `": `...)
		b = appendJSONString(b, value)
		if !last {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	field("id", info.ID, false)
	field("username", info.Username, false)
	field("display_name", info.DisplayName, false)
	field("email", info.Email, false)
	if info.WorkEmail != "" {
		field("work_email", info.WorkEmail, false)
	}
	field("role", info.Role, false)
	field("organization", info.Organization, false)
	field("session_id", info.SessionID, false)
	b = append(b, `  "expires_at": "`...)
	b = exp.UTC().AppendFormat(b, expiresLayout) // digits, '-', ':', 'T', 'Z': nothing to escape
	return append(b, "\"\n}\n"...)
}

// writeSessionJSON answers 200 with info, which expires at exp. The buffer
// is reused (Write copies it out) and a usual length's Content-Length value
// is prepared: three allocations fewer on every session check.
func writeSessionJSON(w http.ResponseWriter, info *SessionInfo, exp time.Time) {
	bp := sessionBuffers.Get().(*[]byte)
	body := appendSessionJSON((*bp)[:0], info, exp)
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = contentLength(len(body))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	if cap(body) <= 4096 {
		*bp = body
		sessionBuffers.Put(bp)
	}
}

var sessionBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// contentLengths holds the Content-Length values of bodies up to 1 KiB, each
// a slice whose one value fills its capacity (an Add copies it).
var contentLengths = func() [][]string {
	v := make([][]string, 1024)
	for n := range v {
		v[n] = []string{strconv.Itoa(n)}
	}
	return v
}()

func contentLength(n int) []string {
	if n < len(contentLengths) {
		return contentLengths[n]
	}
	return []string{strconv.Itoa(n)}
}

var jsonContentType = []string{"application/json"}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json writes it
// with HTML escaping on (its default): <, > and & as \u003c, \u003e and \u0026,
// U+2028 and U+2029 escaped, invalid UTF-8 replaced by \ufffd.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
