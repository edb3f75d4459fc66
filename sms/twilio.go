package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// twilio speaks Twilio's Programmable Messaging API (2010-04-01), which several
// other providers also offer.
type twilio struct {
	endpoint   string // {base}/2010-04-01/Accounts/{sid}/Messages.json
	sid, token string
	from       string // a number or alphanumeric sender id, or ""
	service    string // a Messaging Service SID, when from is ""
	client     *http.Client
}

func openTwilio(u *url.URL, opts Options) (Transport, error) {
	q := u.Query()
	for k := range q {
		if k != "from" && k != "messaging_service" && k != "base_url" {
			return nil, fmt.Errorf("sms: unknown parameter %q in the twilio URL (known: from, messaging_service, base_url)", k)
		}
	}
	t := &twilio{from: fixPlus(q.Get("from")), service: q.Get("messaging_service"), client: opts.HTTPClient}
	if u.User != nil {
		t.sid = u.User.Username()
		t.token, _ = u.User.Password()
	}
	if t.sid == "" || t.token == "" {
		return nil, errors.New("sms: the twilio URL needs ACCOUNT_SID:AUTH_TOKEN@ before the host")
	}
	if strings.ContainsAny(t.sid, "/?#") {
		return nil, errors.New("sms: the account SID holds characters that do not belong in one")
	}
	if (t.from == "") == (t.service == "") {
		return nil, errors.New("sms: the twilio URL needs either from=NUMBER or messaging_service=SID")
	}
	base := "https://" + u.Host
	if u.Host == "" {
		base = "https://api.twilio.com"
	}
	if b := q.Get("base_url"); b != "" {
		bu, err := url.Parse(b)
		if err != nil || bu.Host == "" || bu.RawQuery != "" {
			return nil, errors.New("sms: base_url must be an absolute URL like https://api.example.com")
		}
		if bu.Scheme != "https" && !(bu.Scheme == "http" && isLoopback(bu.Hostname())) {
			// The auth token travels in every request.
			return nil, errors.New("sms: base_url must use https (http only to localhost)")
		}
		base = strings.TrimSuffix(bu.String(), "/")
	}
	t.endpoint = base + "/2010-04-01/Accounts/" + url.PathEscape(t.sid) + "/Messages.json"
	return t, nil
}

// fixPlus restores the "+" of a sender number written unencoded in the URL
// (?from=+15005550006), which query decoding turned into a space.
func fixPlus(from string) string {
	if rest, ok := strings.CutPrefix(from, " "); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
		return "+" + rest
	}
	return from
}

// twilioAnswer holds the fields we read from Twilio's answers: a message
// resource on success, an error object otherwise.
type twilioAnswer struct {
	SID          string `json:"sid"`
	Status       any    `json:"status"` // a string in a message, a number in an error
	ErrorCode    *int   `json:"error_code"`
	ErrorMessage string `json:"error_message"`
	Code         int    `json:"code"`
	Message      string `json:"message"`
}

func (t *twilio) Send(ctx context.Context, to, body string) error {
	if err := checkMessage("twilio", to, body); err != nil {
		return err
	}
	form := url.Values{"To": {to}, "Body": {body}}
	if t.from != "" {
		form.Set("From", t.from)
	} else {
		form.Set("MessagingServiceSid", t.service)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return &Error{Op: "twilio", Err: err}
	}
	req.SetBasicAuth(t.sid, t.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return &Error{Op: "twilio", Err: redact(err)}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var a twilioAnswer
	jsonErr := json.Unmarshal(raw, &a)

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// A message created already failed is refused for good; any other status
		// (queued, accepted, sending...) means the provider took it. An answer we
		// cannot read still was a success: sending again would duplicate the text.
		if s, _ := a.Status.(string); s == "failed" || s == "undelivered" {
			e := &Error{Op: "twilio", Permanent: true, Status: resp.StatusCode, Message: a.ErrorMessage}
			if a.ErrorCode != nil {
				e.Code = *a.ErrorCode
			}
			return e
		}
		return nil
	}
	e := statusError("twilio", resp.StatusCode, a.Code, a.Message)
	if jsonErr != nil || a.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// redact removes the request URL from an http.Client error; it holds no token
// (that is in a header), but the account SID need not be in the logs either.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
