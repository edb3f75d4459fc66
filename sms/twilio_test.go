package sms_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/sms"
)

const (
	mobile = "+447911123456"
	body   = "493817 is your Example Org sign-in code. It expires in 10 minutes. Don't share it."
)

func open(t *testing.T, rawURL string, opts sms.Options) sms.Transport {
	t.Helper()
	tr, err := sms.Open(rawURL, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return tr
}

func send(tr sms.Transport, to, body string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return tr.Send(ctx, to, body)
}

// setQuery returns rawURL with the query parameter key set to value ("" deletes it).
func setQuery(t *testing.T, rawURL, key, value string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if value == "" {
		q.Del(key)
	} else {
		q.Set(key, value)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func TestTwilio(t *testing.T) {
	srv := gatehousetest.NewTwilioServer(t)
	if err := send(open(t, srv.URL(), sms.Options{}), mobile, body); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the server has %d messages", len(msgs))
	}
	m := msgs[0]
	if m.To != mobile || m.From != gatehousetest.TwilioFrom || m.Body != body || !strings.HasPrefix(m.SID, "SM") {
		t.Errorf("recorded %+v", m)
	}
	if got := gatehousetest.CodeIn(m.Body); got != "493817" {
		t.Errorf("CodeIn = %q", got)
	}
}

func TestTwilioMessagingService(t *testing.T) {
	srv := gatehousetest.NewTwilioServer(t)
	u := setQuery(t, setQuery(t, srv.URL(), "from", ""), "messaging_service", "MG0123456789abcdef0123456789abcdef")
	if err := send(open(t, u, sms.Options{}), mobile, body); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].MessagingServiceSID != "MG0123456789abcdef0123456789abcdef" || m[0].From != "" {
		t.Errorf("recorded %+v", m)
	}
}

func TestTwilioUnencodedPlus(t *testing.T) {
	// Operators write ?from=+1500..., which decodes to a space.
	srv := gatehousetest.NewTwilioServer(t)
	u := strings.Replace(srv.URL(), "from=%2B", "from=+", 1)
	if err := send(open(t, u, sms.Options{}), mobile, body); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].From != gatehousetest.TwilioFrom {
		t.Errorf("recorded %+v", m)
	}
}

func TestTwilioErrors(t *testing.T) {
	srv := gatehousetest.NewTwilioServer(t)
	good := srv.URL()
	u, _ := url.Parse(good)
	u.User = url.UserPassword(gatehousetest.TwilioAccountSID, "wrong-token")
	wrongToken := u.String()

	tests := []struct {
		name      string
		setup     func()
		url       string
		to        string
		body      string
		permanent bool
		status    int
		code      int
		reached   bool // whether the request reached the server
	}{
		{"invalid number", func() { srv.RejectNumber(mobile) }, good, mobile, body, true, 400, 21211, true},
		{"wrong sender", func() {}, setQuery(t, good, "from", "+15005550001"), mobile, body, true, 400, 21606, true},
		{"wrong token", func() {}, wrongToken, mobile, body, true, 401, 20003, true},
		{"rate limited", func() { srv.FailWith(429) }, good, mobile, body, false, 429, 20429, true},
		{"server error", func() { srv.FailWith(500) }, good, mobile, body, false, 500, 20500, true},
		{"unavailable", func() { srv.FailWith(503) }, good, mobile, body, false, 503, 20500, true},
		{"not E.164", func() {}, good, "07911 123456", body, true, 0, 0, false},
		{"empty body", func() {}, good, mobile, "", true, 0, 0, false},
		{"body too long", func() {}, good, mobile, strings.Repeat("x", 1601), true, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Accept()
			tt.setup()
			before := srv.Attempts()
			err := send(open(t, tt.url, sms.Options{}), tt.to, tt.body)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if sms.IsPermanent(err) != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, !tt.permanent, tt.permanent)
			}
			var se *sms.Error
			if !errors.As(err, &se) || se.Status != tt.status || se.Code != tt.code {
				t.Errorf("err = %#v, want status %d code %d", err, tt.status, tt.code)
			}
			if tt.code != 0 && se.Message == "" {
				t.Errorf("err = %v: the provider's message is missing", err)
			}
			if reached := srv.Attempts() > before; reached != tt.reached {
				t.Errorf("request reached the server: %v, want %v", reached, tt.reached)
			}
			if strings.Contains(err.Error(), "wrong-token") || strings.Contains(err.Error(), tt.body[:min(len(tt.body), 20)]) && tt.body != "" {
				t.Errorf("the error shows the token or the body: %v", err)
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages accepted, want 0", n)
	}
}

func TestTwilioUnreachable(t *testing.T) {
	srv := gatehousetest.NewTwilioServer(t)
	tr := open(t, srv.URL(), sms.Options{})
	srv.Close()
	err := send(tr, mobile, body)
	if err == nil || sms.IsPermanent(err) {
		t.Fatalf("err = %v, want temporary", err)
	}

	// A provider that never answers is cut off by the context.
	stall := make(chan struct{})
	hang := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-stall }))
	defer close(stall)
	tr = open(t, setQuery(t, srv.URL(), "base_url", hang), sms.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := tr.Send(ctx, mobile, body); !errors.Is(err, context.DeadlineExceeded) || sms.IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary deadline error", err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	secret := sms.Options{WebhookSecret: "0123456789abcdef0123"}
	good := []string{
		"twilio://AC1:tok3n@api.twilio.com?from=%2B15005550006",
		"twilio://AC1:tok3n@?from=Example",
		"twilio://AC1:tok3n@api.twilio.com?messaging_service=MG1",
		"twilio://AC1:tok3n@x?from=%2B15005550006&base_url=https%3A%2F%2Fsms.example.net%2Fapi",
		"twilio://AC1:tok3n@x?from=%2B15005550006&base_url=http%3A%2F%2F127.0.0.1%3A8080",
		"webhook+https://sms.example.org/send?account=7",
		"webhook+http://127.0.0.1:9000/send",
		"file://" + dir,
	}
	for _, u := range good {
		if _, err := sms.Open(u, secret); err != nil {
			t.Errorf("Open(%q): %v", u, err)
		}
	}
	bad := []string{
		"",
		"https://api.twilio.com",
		"twilio://api.twilio.com?from=%2B15005550006",
		"twilio://AC1@api.twilio.com?from=%2B15005550006",
		"twilio://AC1:tok3n@api.twilio.com",
		"twilio://AC1:tok3n@api.twilio.com?from=%2B1&messaging_service=MG1",
		"twilio://AC1:tok3n@api.twilio.com?from=%2B1&sender=x",
		"twilio://AC1:tok3n@x?from=%2B1&base_url=http%3A%2F%2Fsms.example.net",
		"twilio://AC1:tok3n@x?from=%2B1&base_url=%2Frelative",
		"webhook+http://sms.example.org/send",
		"webhook+https://user:pw@sms.example.org/send",
		"webhook+https:///send",
		"file://" + dir + "?x=1",
		"twilio://AC1:s%ecr3t@api.twilio.com",
	}
	for _, u := range bad {
		_, err := sms.Open(u, secret)
		if err == nil {
			t.Errorf("Open(%q) succeeded", u)
		} else if strings.Contains(err.Error(), "tok3n") || strings.Contains(err.Error(), "ecr3t") {
			t.Errorf("Open error shows the token: %v", err)
		}
	}
	if _, err := sms.Open("webhook+https://sms.example.org/send", sms.Options{WebhookSecret: "short"}); err == nil {
		t.Error("Open accepted a short webhook secret")
	}
}
