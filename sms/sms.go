// Package sms sends Gatehouse's text messages (two-factor and confirmation codes)
// through the transport selected by GATEHOUSE_SMS_URL: a provider whose REST API
// is Twilio's, a signed HTTPS webhook of the operator's own, or JSON files in a
// directory. Mobile numbers are validated by package phone.
//
// Transports report whether a failure is permanent (the provider refused this
// number or message: retrying cannot help) or temporary (the provider is down,
// slow or rate-limiting); see IsPermanent.
package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"
	"unicode/utf8"
)

// Transport sends text messages. Implementations are safe for concurrent use.
type Transport interface {
	// Send delivers body to the E.164 number to, or returns an error for which
	// IsPermanent says whether a retry could succeed.
	Send(ctx context.Context, to, body string) error
}

// Error is a failed send.
type Error struct {
	Op        string // "twilio", "webhook", "file"
	Permanent bool
	Status    int    // HTTP status of the provider's answer, 0 when there was none
	Code      int    // the provider's error code (Twilio's 21211), 0 when none
	Message   string // the provider's explanation, if it gave one
	Err       error
}

func (e *Error) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	s := fmt.Sprintf("sms: %s (%s)", e.Op, kind)
	if e.Status != 0 {
		s += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Code != 0 {
		s += fmt.Sprintf(": error %d", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// IsPermanent reports whether err says that retrying the same message cannot
// succeed. Unclassified errors are temporary.
func IsPermanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Permanent
}

// statusError classifies an HTTP answer that is not a success: a 4xx refuses
// this message for good, except 408 (timeout) and 429 (rate limit); anything
// else is the provider's trouble and worth retrying.
func statusError(op string, status, code int, msg string) *Error {
	perm := status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests
	return &Error{Op: op, Permanent: perm, Status: status, Code: code, Message: msg}
}

// maxBody is the longest body providers accept: Twilio refuses more than 1,600
// characters (ten segments).
const maxBody = 1600

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// checkMessage refuses, before any network traffic, what no provider accepts.
func checkMessage(op, to, body string) error {
	if !e164.MatchString(to) {
		return &Error{Op: op, Permanent: true, Err: fmt.Errorf("%q is not an E.164 number", to)}
	}
	if body == "" || utf8.RuneCountInString(body) > maxBody || !utf8.ValidString(body) {
		return &Error{Op: op, Permanent: true, Err: errors.New("the body is empty, too long or not UTF-8")}
	}
	return nil
}

// Options tune the transports; the zero value is ready to use except for the
// webhook, which needs WebhookSecret.
type Options struct {
	// HTTPClient sends the requests of the Twilio and webhook transports; the
	// default has a 15-second timeout.
	HTTPClient *http.Client
	// WebhookSecret signs webhook requests. It is configuration, like a password,
	// and kept out of the URL so that the URL can be shown and logged.
	WebhookSecret string
	// Now stamps webhook requests and names files; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Open returns the transport described by rawURL, the value of GATEHOUSE_SMS_URL.
//
// Twilio, or any provider that offers Twilio's REST API:
//
//	twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B15005550006
//	twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?messaging_service=MG0123...
//	twilio://ACCOUNT_SID:AUTH_TOKEN@?from=Example&base_url=https%3A%2F%2Fsms.example.net%2Fapi
//
// Each message is a POST to {base}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json
// with the form fields To, Body and From (a number, its "+" best written %2B,
// or an alphanumeric sender id) or MessagingServiceSid, authenticated with HTTP basic
// auth as ACCOUNT_SID:AUTH_TOKEN. {base} is https:// and the URL's host
// (api.twilio.com when empty), or base_url when given: base_url lets the
// transport speak to a compatible service under a path prefix, or to a test
// server, and may use http only to localhost.
//
// A webhook of the operator's own:
//
//	webhook+https://sms.example.org/send?any=parameters
//
// Each message is a POST of the JSON WebhookMessage {"to": "+E164", "body": "..."}
// to the URL without "webhook+", signed with Options.WebhookSecret (at least 16
// characters; it stays out of the URL): X-Gatehouse-Timestamp holds the Unix
// time and X-Gatehouse-Signature "sha256=" and the hex HMAC-SHA256 of the
// timestamp, a dot and the body; VerifyWebhook says how a receiver checks them.
// A 2xx answer means sent; 4xx refuses the message for good except 408 and 429;
// anything else is retried. webhook+http:// is accepted only to localhost.
//
// A directory, for development:
//
//	file:///var/lib/gatehouse/sms
//
// Each message is one JSON file {"to": "+E164", "body": "..."}, written under a
// temporary name and renamed into place.
//
// Failures of the Twilio transport follow the same rule as the webhook's: a 4xx
// answer (21211 invalid number, 21614 not a mobile number, 21610 unsubscribed,
// and also a refused auth token) is permanent and carries the provider's code
// and message; 408, 429 and 5xx, timeouts and refused connections are temporary.
func Open(rawURL string, opts Options) (Transport, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse's error repeats the URL, token included.
		return nil, errors.New("sms: GATEHOUSE_SMS_URL is not a valid URL")
	}
	opts = opts.withDefaults()
	switch u.Scheme {
	case "twilio":
		return openTwilio(u, opts)
	case "webhook+https", "webhook+http":
		return openWebhook(u, opts)
	case "file":
		return openFile(u, opts)
	}
	return nil, fmt.Errorf("sms: unknown scheme %q in GATEHOUSE_SMS_URL: use twilio, webhook+https or file", u.Scheme)
}

// isLoopback reports whether host is this machine, the only place to which
// credentials may travel over plain HTTP.
func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
