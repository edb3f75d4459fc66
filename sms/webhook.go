package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The headers of a signed webhook request.
const (
	TimestampHeader = "X-Gatehouse-Timestamp" // Unix seconds when the request was signed
	SignatureHeader = "X-Gatehouse-Signature" // "sha256=" and the hex HMAC-SHA256
)

// WebhookMessage is the JSON body of a webhook request.
type WebhookMessage struct {
	To   string `json:"to"`   // E.164
	Body string `json:"body"` // the text
}

// webhook POSTs each message as JSON to the operator's own endpoint, which
// relays it to whatever provider they use.
type webhook struct {
	endpoint string
	secret   string
	client   *http.Client
	now      func() time.Time
}

// minSecret is the shortest webhook secret accepted: shorter ones can be guessed
// offline from one captured request.
const minSecret = 16

func openWebhook(u *url.URL, opts Options) (Transport, error) {
	target := *u
	target.Scheme = strings.TrimPrefix(u.Scheme, "webhook+")
	if target.Host == "" {
		return nil, errors.New("sms: the webhook URL has no host")
	}
	if target.Scheme == "http" && !isLoopback(target.Hostname()) {
		// The codes would cross the network in clear.
		return nil, errors.New("sms: the webhook must use webhook+https:// (webhook+http:// only to localhost)")
	}
	if target.User != nil {
		return nil, errors.New("sms: put no credentials in the webhook URL; the requests are signed with the webhook secret")
	}
	if len(opts.WebhookSecret) < minSecret {
		return nil, errors.New("sms: the webhook needs a secret of at least 16 characters (GATEHOUSE_SMS_WEBHOOK_SECRET)")
	}
	return &webhook{endpoint: target.String(), secret: opts.WebhookSecret, client: opts.HTTPClient, now: opts.Now}, nil
}

func (w *webhook) Send(ctx context.Context, to, body string) error {
	if err := checkMessage("webhook", to, body); err != nil {
		return err
	}
	payload, err := json.Marshal(WebhookMessage{To: to, Body: body})
	if err != nil {
		return &Error{Op: "webhook", Permanent: true, Err: err}
	}
	ts := w.now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.endpoint, bytes.NewReader(payload))
	if err != nil {
		return &Error{Op: "webhook", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Gatehouse")
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(w.secret, ts, payload))
	resp, err := w.client.Do(req)
	if err != nil {
		return &Error{Op: "webhook", Err: redact(err)}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	// A receiver may explain a refusal in a JSON "message" field; the rest of
	// its answer stays out of our logs, since it might echo the code.
	var answer struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(raw, &answer)
	msg := http.StatusText(resp.StatusCode)
	if answer.Message != "" {
		msg = strings.Join(strings.Fields(answer.Message), " ")
		if len(msg) > 200 {
			msg = msg[:200]
		}
	}
	return statusError("webhook", resp.StatusCode, 0, msg)
}

// Sign returns the X-Gatehouse-Signature of a webhook request body signed at
// the Unix time timestamp: "sha256=" and the hex HMAC-SHA256, keyed with the
// secret, of the decimal timestamp, a dot, and the body exactly as sent.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a webhook request the way a receiver should, and is
// what a receiver written in Go can call:
//
//  1. read the raw body, before any JSON decoding;
//  2. parse X-Gatehouse-Timestamp and refuse it when it is further than maxAge
//     (five minutes is plenty) from the receiver's clock, so that a captured
//     request cannot be replayed later;
//  3. compute Sign(secret, timestamp, body) and compare it with
//     X-Gatehouse-Signature in constant time (hmac.Equal).
//
// Receivers that must also refuse a replay within maxAge remember the
// signatures they accepted for that long.
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time, maxAge time.Duration) error {
	ts, err := strconv.ParseInt(h.Get(TimestampHeader), 10, 64)
	if err != nil {
		return errors.New("sms: missing or malformed " + TimestampHeader)
	}
	if age := now.Sub(time.Unix(ts, 0)); age > maxAge || age < -maxAge {
		return errors.New("sms: the webhook request is too old or from the future")
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(h.Get(SignatureHeader))) {
		return errors.New("sms: the webhook signature does not match")
	}
	return nil
}
