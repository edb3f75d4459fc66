package mail_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/mail"
)

func open(t *testing.T, rawURL string, opts mail.Options) mail.Transport {
	t.Helper()
	tr, err := mail.Open(rawURL, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", rawURL, err)
	}
	return tr
}

func withQuery(t *testing.T, rawURL, key, value string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

func send(t *testing.T, tr mail.Transport) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return tr.Send(ctx, testEnvelope())
}

// checkDelivered checks that exactly the test envelope arrived, intact.
func checkDelivered(t *testing.T, srv *gatehousetest.SMTPServer, wantTLS bool, wantUser string) {
	t.Helper()
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the server has %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.ParseError != "" {
		t.Fatalf("the delivered message does not parse: %s", m.ParseError)
	}
	if m.From != "noreply@example.org" || len(m.To) != 1 || m.To[0] != "ada@example.com" {
		t.Errorf("envelope = %s -> %v", m.From, m.To)
	}
	if m.TLS != wantTLS || m.User != wantUser {
		t.Errorf("TLS = %v, user = %q; want %v, %q", m.TLS, m.User, wantTLS, wantUser)
	}
	if m.Subject != "Reset your Example Org password" || m.Header.Get("Message-Id") != "<msg123.outbox@example.org>" {
		t.Errorf("subject %q, id %q", m.Subject, m.Header.Get("Message-Id"))
	}
	if link := gatehousetest.LinkIn(m); !strings.HasPrefix(link, "https://gh.example.org/reset-password?token=xxx") {
		t.Errorf("LinkIn = %q", link)
	}
	if !strings.Contains(m.HTML, `href="https://gh.example.org/reset-password?token=abc"`) {
		t.Errorf("HTML part = %q", m.HTML)
	}
}

func TestSMTPPlain(t *testing.T) {
	srv := gatehousetest.NewSMTPServer(t)
	if err := send(t, open(t, srv.URL(), mail.Options{})); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, srv, false, "")
}

func TestSMTPAuthToLocalhost(t *testing.T) {
	// net/smtp sends AUTH PLAIN unencrypted to localhost only.
	srv := gatehousetest.NewSMTPServer(t, gatehousetest.SMTPRequireAuth)
	if err := send(t, open(t, srv.URL(), mail.Options{})); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, srv, false, gatehousetest.SMTPUser)
}

func TestSMTPStartTLS(t *testing.T) {
	srv := gatehousetest.NewSMTPServer(t, gatehousetest.SMTPStartTLS, gatehousetest.SMTPRequireAuth)
	if !strings.Contains(srv.URL(), "starttls=required") {
		t.Fatalf("URL() = %q", srv.URL())
	}
	if err := send(t, open(t, srv.URL(), mail.Options{RootCAs: srv.CertPool()})); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, srv, true, gatehousetest.SMTPUser)
}

func TestSMTPStartTLSUntrusted(t *testing.T) {
	srv := gatehousetest.NewSMTPServer(t, gatehousetest.SMTPStartTLS)
	err := send(t, open(t, srv.URL(), mail.Options{}))
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("an unverifiable certificate gave %v, want a temporary error", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a message was sent over an unverified connection")
	}
	// The unsafe switch for test servers.
	if err := send(t, open(t, withQuery(t, srv.URL(), "insecure_skip_verify", "1"), mail.Options{})); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, srv, true, "")
}

func TestSMTPStartTLSRequired(t *testing.T) {
	srv := gatehousetest.NewSMTPServer(t) // offers no STARTTLS
	err := send(t, open(t, withQuery(t, srv.URL(), "starttls", "required"), mail.Options{}))
	var me *mail.Error
	if !errors.As(err, &me) || me.Op != "starttls" || me.Permanent {
		t.Fatalf("err = %v, want a temporary starttls error", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("a message was sent in clear text")
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	srv := gatehousetest.NewSMTPServer(t, gatehousetest.SMTPImplicitTLS, gatehousetest.SMTPRequireAuth)
	if !strings.HasPrefix(srv.URL(), "smtps://") {
		t.Fatalf("URL() = %q", srv.URL())
	}
	if err := send(t, open(t, srv.URL(), mail.Options{RootCAs: srv.CertPool()})); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, srv, true, gatehousetest.SMTPUser)
}

func TestSMTPErrors(t *testing.T) {
	srv := gatehousetest.NewSMTPServer(t, gatehousetest.SMTPRequireAuth)
	u, _ := url.Parse(srv.URL())
	u.User = url.UserPassword(gatehousetest.SMTPUser, "wrong")
	wrongPassword := u.String()

	tests := []struct {
		name      string
		setup     func()
		url       string
		permanent bool
		code      int
	}{
		{"550 refused", func() { srv.RejectWith(550, "5.1.1 No such user") }, srv.URL(), true, 550},
		{"451 try later", func() { srv.RejectWith(451, "4.7.1 Greylisted") }, srv.URL(), false, 451},
		{"552 per address", func() { srv.RejectAddress("ADA@example.com", 552, "Mailbox full") }, srv.URL(), true, 552},
		{"wrong password", func() {}, wrongPassword, false, 0},
		{"connection refused", srv.Stop, srv.URL(), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Accept()
			tt.setup()
			defer srv.Start()
			err := send(t, open(t, tt.url, mail.Options{}))
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := mail.IsPermanent(err); got != tt.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.permanent)
			}
			var me *mail.Error
			if tt.code != 0 && (!errors.As(err, &me) || me.Code != tt.code) {
				t.Errorf("err = %v, want SMTP code %d", err, tt.code)
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	srv.Accept()
	if err := send(t, open(t, srv.URL(), mail.Options{})); err != nil {
		t.Fatalf("after Accept and Start: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("the server has %d messages, want 1", n)
	}
}

func TestSMTPStalledServerTimesOut(t *testing.T) {
	// A server that accepts connections but never greets.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	tr := open(t, "smtp://"+l.Addr().String(), mail.Options{CommandTimeout: 50 * time.Millisecond})
	err = send(t, tr)
	if err == nil || mail.IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary error", err)
	}

	// Cancelling the context interrupts a stalled conversation as well.
	tr = open(t, "smtp://"+l.Addr().String(), mail.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := tr.Send(ctx, testEnvelope()); !errors.Is(err, context.DeadlineExceeded) || mail.IsPermanent(err) {
		t.Fatalf("err = %v, want a temporary deadline error", err)
	}
}

func TestSMTPRefusesBadEnvelopeBeforeConnecting(t *testing.T) {
	srv := gatehousetest.NewSMTPServer(t)
	e := testEnvelope()
	e.Subject = "x\r\nBcc: eve@example.net"
	err := open(t, srv.URL(), mail.Options{}).Send(context.Background(), e)
	if !mail.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent", err)
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("the message was sent")
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	good := []string{
		"smtp://mail.example.org:587",
		"smtp://user:p%40ss@mail.example.org:587?starttls=required",
		"smtps://user:pass@mail.example.org",
		"smtp://localhost?insecure_skip_verify=1",
		"file://" + dir,
		"file:" + dir + "/sub",
	}
	for _, u := range good {
		if _, err := mail.Open(u, mail.Options{}); err != nil {
			t.Errorf("Open(%q): %v", u, err)
		}
	}
	bad := []string{
		"",
		"http://example.org",
		"smtp://",
		"smtp://mail.example.org/path",
		"smtp://mail.example.org?starttls=requried",
		"smtp://mail.example.org?tls=1",
		"smtps://mail.example.org?starttls=required",
		"smtp://mail.example.org?insecure_skip_verify=maybe",
		"file://otherhost/dir",
		"file://" + dir + "?x=1",
		"smtp://user:sec ret@exa mple.org",
	}
	for _, u := range bad {
		_, err := mail.Open(u, mail.Options{})
		if err == nil {
			t.Errorf("Open(%q) succeeded", u)
		} else if strings.Contains(err.Error(), "sec ret") {
			t.Errorf("Open error shows the password: %v", err)
		}
	}
}
