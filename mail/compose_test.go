package mail_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/mail"
)

func testEnvelope() *mail.Envelope {
	return &mail.Envelope{
		From:      mail.Address{Name: "Example Org", Address: "noreply@example.org"},
		To:        mail.Address{Address: "ada@example.com"},
		Subject:   "Reset your Example Org password",
		Text:      "Open this link:\n\nhttps://gh.example.org/reset-password?token=" + strings.Repeat("x", 120) + "\n",
		HTML:      `<p>Open <a href="https://gh.example.org/reset-password?token=abc">this link</a>.</p>`,
		MessageID: "msg123.outbox@example.org",
		Date:      time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	}
}

// parse reads a composed message back with the standard library only.
func parse(t *testing.T, raw []byte) (h netmail.Header, parts map[string]string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	parts = map[string]string{}
	if typ != "multipart/alternative" {
		b, _ := io.ReadAll(msg.Body)
		parts[typ] = string(b)
		return msg.Header, parts
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var order []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextPart: %v", err)
		}
		b, err := io.ReadAll(p) // decodes quoted-printable
		if err != nil {
			t.Fatalf("reading part: %v", err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[pt] = string(b)
		order = append(order, pt)
	}
	if strings.Join(order, ",") != "text/plain,text/html" {
		t.Errorf("parts = %v, want text/plain then text/html", order)
	}
	return msg.Header, parts
}

func TestComposeParsesBack(t *testing.T) {
	e := testEnvelope()
	e.Subject = "Réinitialisez votre mot de passe — Zoë & Co " + strings.Repeat("très long ", 8)
	e.From.Name = "Zoë & Co, Ltd."
	e.To.Name = "Ada Lovelace"
	e.Headers = map[string]string{"X-Entity-Ref-ID": "outbox-123"}
	raw, err := mail.Compose(e)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d has %d characters: %q", i+1, len(line), line)
		}
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("bare LF in the message")
	}
	h, parts := parse(t, raw)
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(h.Get("Subject"))
	if err != nil || subject != e.Subject {
		t.Errorf("Subject = %q, %v; want %q", subject, err, e.Subject)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != e.From.Name || from[0].Address != e.From.Address {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "ada@example.com" || to[0].Name != "Ada Lovelace" {
		t.Errorf("To = %v, %v", to, err)
	}
	date, err := h.Date()
	if err != nil || !date.Equal(e.Date) {
		t.Errorf("Date = %v, %v", date, err)
	}
	for k, want := range map[string]string{
		"Message-Id":      "<msg123.outbox@example.org>",
		"Mime-Version":    "1.0",
		"Auto-Submitted":  "auto-generated",
		"X-Entity-Ref-Id": "outbox-123",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := strings.ReplaceAll(parts["text/plain"], "\r\n", "\n"); got != e.Text {
		t.Errorf("text part = %q, want %q", got, e.Text)
	}
	if got := strings.TrimSpace(parts["text/html"]); got != e.HTML {
		t.Errorf("html part = %q, want %q", got, e.HTML)
	}
}

func TestComposeTextOnly(t *testing.T) {
	e := testEnvelope()
	e.HTML = ""
	raw, err := mail.Compose(e)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cte := msg.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding = %q", cte)
	}
}

func TestComposeRefusesInjection(t *testing.T) {
	tests := map[string]func(e *mail.Envelope){
		"CRLF in subject":     func(e *mail.Envelope) { e.Subject = "Hi\r\nBcc: victim@example.net" },
		"LF in subject":       func(e *mail.Envelope) { e.Subject = "Hi\nBcc: victim@example.net" },
		"CR in from name":     func(e *mail.Envelope) { e.From.Name = "Org\rBcc: x@example.net" },
		"LF in to name":       func(e *mail.Envelope) { e.To.Name = "Ada\nBcc: x@example.net" },
		"CRLF in to address":  func(e *mail.Envelope) { e.To.Address = "ada@example.com\r\nBcc: x@example.net" },
		"two to addresses":    func(e *mail.Envelope) { e.To.Address = "ada@example.com, eve@example.net" },
		"name in address":     func(e *mail.Envelope) { e.To.Address = "Ada <ada@example.com>" },
		"malformed address":   func(e *mail.Envelope) { e.To.Address = "ada.example.com" },
		"empty from":          func(e *mail.Envelope) { e.From.Address = "" },
		"LF in extra header":  func(e *mail.Envelope) { e.Headers = map[string]string{"X-Ref": "a\nBcc: x@example.net"} },
		"bad header name":     func(e *mail.Envelope) { e.Headers = map[string]string{"X-Ref: y\r\nBcc": "x"} },
		"reserved header":     func(e *mail.Envelope) { e.Headers = map[string]string{"bcc": "x@example.net"} },
		"bracketed id":        func(e *mail.Envelope) { e.MessageID = "<a@b>" },
		"CRLF in message id":  func(e *mail.Envelope) { e.MessageID = "a@b\r\nBcc: x@example.net" },
		"missing message id":  func(e *mail.Envelope) { e.MessageID = "" },
		"missing date":        func(e *mail.Envelope) { e.Date = time.Time{} },
		"unfoldable subject":  func(e *mail.Envelope) { e.Subject = strings.Repeat("a", 1000) },
		"NUL in display name": func(e *mail.Envelope) { e.From.Name = "Org\x00" },
	}
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			e := testEnvelope()
			change(e)
			raw, err := mail.Compose(e)
			if err == nil {
				t.Fatalf("Compose accepted it:\n%s", raw)
			}
			if !mail.IsPermanent(err) {
				t.Errorf("IsPermanent(%v) = false, want true", err)
			}
		})
	}
}

func TestCheckAddress(t *testing.T) {
	for addr, ok := range map[string]bool{
		"ada@example.com":          true,
		"a.b+tag@sub.example.org":  true,
		"":                         false,
		"ada":                      false,
		"ada@example.com\r\n":      false,
		"<ada@example.com>":        false,
		"Ada <ada@example.com>":    false,
		"ada@example.com, b@c.org": false,
		strings.Repeat("a", 250) + "@example.com": false,
	} {
		if err := mail.CheckAddress(addr); (err == nil) != ok {
			t.Errorf("CheckAddress(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}
