package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// maxLine is where header fields are folded, RFC 5322's recommended limit.
const maxLine = 78

// reserved are the header fields Compose writes itself; Envelope.Headers may not
// set them, so that an extra header can never change who a message goes to.
var reserved = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Sender": true, "Reply-To": true,
	"Subject": true, "Date": true, "Message-Id": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true, "Auto-Submitted": true,
	"X-Auto-Response-Suppress": true,
}

// Compose returns m as an RFC 5322 message with CRLF line endings: a
// multipart/alternative of the plain text and the HTML (or the plain text alone),
// both quoted-printable so that no line exceeds 76 characters whatever the
// content. A CR or LF in any header value, a malformed address or a missing
// Message-ID or Date is an error for which IsPermanent is true.
func Compose(m *Envelope) ([]byte, error) {
	if err := check(m); err != nil {
		return nil, permanent("compose", err)
	}
	var b bytes.Buffer
	h := &headerWriter{w: &b}
	h.field("From", formatAddress(m.From))
	h.field("To", formatAddress(m.To))
	h.field("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h.field("Date", m.Date.Format(time.RFC1123Z))
	h.field("Message-ID", "<"+m.MessageID+">")
	h.field("MIME-Version", "1.0")
	// Auto-Submitted (RFC 3834) keeps vacation responders quiet; the Microsoft
	// header does the same for Exchange and Outlook.
	h.field("Auto-Submitted", "auto-generated")
	h.field("X-Auto-Response-Suppress", "All")
	names := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		h.field(textproto.CanonicalMIMEHeaderKey(k), mime.QEncoding.Encode("utf-8", m.Headers[k]))
	}
	if h.err != nil {
		return nil, permanent("compose", h.err)
	}

	if m.HTML == "" {
		writePartHeader(&b, "text/plain")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, permanent("compose", err)
		}
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	h.field("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// Text first: RFC 2046 orders alternatives from plainest to richest, and
	// clients show the last one they understand.
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Type", p.typ+"; charset=utf-8")
		hdr.Set("Content-Transfer-Encoding", "quoted-printable")
		w, err := mw.CreatePart(hdr)
		if err != nil {
			return nil, permanent("compose", err)
		}
		if err := writeQP(w, p.body); err != nil {
			return nil, permanent("compose", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, permanent("compose", err)
	}
	return b.Bytes(), nil
}

func writePartHeader(b *bytes.Buffer, typ string) {
	b.WriteString("Content-Type: " + typ + "; charset=utf-8\r\n")
	b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n")
}

func writeQP(w io.Writer, s string) error {
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, s); err != nil {
		return err
	}
	return qp.Close()
}

// check validates everything that ends up in a header field.
func check(m *Envelope) error {
	if m == nil {
		return errors.New("no message")
	}
	for _, a := range []struct {
		field string
		addr  Address
	}{{"From", m.From}, {"To", m.To}} {
		if err := CheckAddress(a.addr.Address); err != nil {
			return fmt.Errorf("%s address: %w", a.field, err)
		}
		if hasControl(a.addr.Name) {
			return fmt.Errorf("%s name contains a control character", a.field)
		}
	}
	if hasControl(m.Subject) {
		return errors.New("subject contains a control character")
	}
	if !validMessageID(m.MessageID) {
		return fmt.Errorf("invalid Message-ID %q: want local@domain without brackets", m.MessageID)
	}
	if m.Date.IsZero() {
		return errors.New("no date")
	}
	for k, v := range m.Headers {
		if !validFieldName(k) || reserved[textproto.CanonicalMIMEHeaderKey(k)] {
			return fmt.Errorf("header field name %q is not allowed", k)
		}
		if hasControl(v) {
			return fmt.Errorf("header %s contains a control character", k)
		}
	}
	return nil
}

// CheckAddress reports whether addr is a bare email address (local@domain, no
// display name, no angle brackets, no CR or LF) of at most 254 bytes. It is
// gatehouse.CheckMailAddress, the rule with which the sender-address setting
// is validated, so that a sender the settings accept is one mail can go from.
func CheckAddress(addr string) error {
	return gatehouse.CheckMailAddress(addr)
}

// formatAddress writes a display name as a quoted string, or as an encoded word
// when it is not ASCII (net/mail picks Q or B encoding by what RFC 2047 allows in
// a phrase).
func formatAddress(a Address) string {
	if a.Name == "" {
		return "<" + a.Address + ">"
	}
	return (&netmail.Address{Name: a.Name, Address: a.Address}).String()
}

// hasControl reports whether s holds a CR, LF or another control character:
// the characters with which a value could end its header field and start another.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return true
		}
	}
	return false
}

func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range []byte(k) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validMessageID accepts dot-atom@dot-atom of letters, digits and a few safe
// symbols, which is what we generate and what every parser accepts.
func validMessageID(id string) bool {
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || len(id) > 250 {
		return false
	}
	for _, c := range []byte(left + right) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_+=", c) >= 0) {
			return false
		}
	}
	return true
}

// headerWriter writes header fields folded at spaces to stay within maxLine
// where possible. Unfolding removes the CRLF and keeps the space, so folding
// never changes a value.
type headerWriter struct {
	w   *bytes.Buffer
	err error
}

func (h *headerWriter) field(name, value string) {
	h.w.WriteString(name + ":")
	col := len(name) + 1
	for _, word := range strings.Split(value, " ") {
		if len(word) > 900 {
			h.err = fmt.Errorf("header %s has a word too long to fold", name)
			return
		}
		// Folding may come before the first word too: an encoded word is up to
		// 75 characters, which would not fit after "Subject: ".
		if col > 0 && col+1+len(word) > maxLine {
			h.w.WriteString("\r\n")
			col = 0
		}
		h.w.WriteString(" " + word)
		col += 1 + len(word)
	}
	h.w.WriteString("\r\n")
}
