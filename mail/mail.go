// Package mail sends Gatehouse's email: the message format (RFC 5322, plain text
// and HTML), the transports selected by GATEHOUSE_MAIL_URL (SMTP with STARTTLS or
// implicit TLS, or .eml files in a directory), and the templates of every email
// and text message.
//
// Transports report whether a failure is permanent (retrying cannot help: the
// server refused the recipient, the address is malformed) or temporary (the server
// is down, slow or asks to try later), so that the outbox worker knows whether to
// retry; see IsPermanent.
package mail

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Address is an email address with an optional display name.
type Address struct {
	Name    string // "Example Org"; may be non-ASCII
	Address string // "noreply@example.org"
}

// Envelope is one email to send: who from, who to, and what.
type Envelope struct {
	From    Address
	To      Address
	Subject string
	Text    string // the plain-text body, always present
	HTML    string // the HTML alternative; "" sends plain text only
	// MessageID is the Message-ID without its angle brackets, like
	// "0123abcd@example.org". It should be derived from the outbox message, so that
	// a retried message carries the same id and receivers can recognise it.
	MessageID string
	// Date is when the message was created. It is required: the package never
	// reads the clock itself.
	Date time.Time
	// Headers are extra header fields, for instance "X-Entity-Ref-ID". They may not
	// replace the fields the package writes itself.
	Headers map[string]string
}

// Transport delivers composed emails. Implementations are safe for concurrent use.
type Transport interface {
	// Send delivers m or returns an error; IsPermanent(err) says whether a retry
	// could succeed.
	Send(ctx context.Context, m *Envelope) error
}

// Error is a failed send. Op names the step that failed ("compose", "connect",
// "starttls", "auth", "mail from", "rcpt to", "data", "write file").
type Error struct {
	Op        string
	Permanent bool
	Code      int // SMTP reply code, 0 when the failure was not an SMTP reply
	Err       error
}

func (e *Error) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("mail: %s (%s): %v", e.Op, kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err says that retrying the same message cannot
// succeed. Errors this package did not classify (a cancelled context, a bug) are
// temporary, because a needless retry costs less than a lost email.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

func permanent(op string, err error) error { return &Error{Op: op, Permanent: true, Err: err} }
func temporary(op string, err error) error { return &Error{Op: op, Err: err} }

// Options tune the transports; the zero value is ready to use.
type Options struct {
	// HelloName is the name given in EHLO; default: the host name when it is
	// fully qualified, else "localhost".
	HelloName string
	// DialTimeout bounds connecting and the TLS handshake; default 15s.
	DialTimeout time.Duration
	// CommandTimeout bounds each read and write of the SMTP conversation;
	// default 30s. A stalled server never holds a worker longer than this.
	CommandTimeout time.Duration
	// RootCAs verifies the server's certificate; nil means the system's roots.
	// Tests pass the pool of their in-test server here.
	RootCAs *x509.CertPool
	// Now names the files of the file transport; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.HelloName == "" {
		// Some servers refuse an EHLO name that is not fully qualified.
		o.HelloName = "localhost"
		if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") && !hasControl(h) && !strings.Contains(h, " ") {
			o.HelloName = h
		}
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 15 * time.Second
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Open returns the transport described by rawURL, the value of GATEHOUSE_MAIL_URL:
//
//	smtp://user:password@host:port    SMTP; STARTTLS when the server offers it
//	smtp://host:25?starttls=required  refuse to send when STARTTLS is not offered
//	smtps://user:password@host:465    SMTP over implicit TLS
//	file:///var/lib/gatehouse/mail    one .eml file per message in the directory
//
// The user name and password are percent-encoded and optional; when given, the
// transport authenticates with AUTH PLAIN, which it refuses over an unencrypted
// connection except to localhost. The default ports are 25 for smtp and 465 for
// smtps; port 587 (submission) must be written out.
//
// Whenever TLS is used its certificate must verify: after a failed STARTTLS
// the transport reports a temporary error and never falls back to plain text.
// The query parameter insecure_skip_verify=1 accepts any server certificate. It
// is unsafe, since anyone on the path can then read the mail and the password, and
// is meant only for test servers with self-signed certificates.
func Open(rawURL string, opts Options) (Transport, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error repeats the URL, password included.
		return nil, errors.New("mail: GATEHOUSE_MAIL_URL is not a valid URL")
	}
	opts = opts.withDefaults()
	switch u.Scheme {
	case "smtp", "smtps":
		return openSMTP(u, opts)
	case "file":
		return openFile(u, opts)
	}
	return nil, fmt.Errorf("mail: unknown scheme %q in GATEHOUSE_MAIL_URL: use smtp, smtps or file", u.Scheme)
}

// checkQuery refuses query parameters other than allowed, so that a misspelt
// option such as starttls=requried is an error rather than silently ignored.
func checkQuery(u *url.URL, allowed ...string) error {
	for k := range u.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return fmt.Errorf("mail: unknown parameter %q in GATEHOUSE_MAIL_URL (known: %s)", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}
