package gatehousetest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// The credentials an SMTPServer started with SMTPRequireAuth accepts.
const (
	SMTPUser     = "gatehouse"
	SMTPPassword = "smtp-test-password"
)

// SMTPOption configures NewSMTPServer.
type SMTPOption int

// SMTP server options.
const (
	// SMTPStartTLS offers STARTTLS with a self-signed certificate (see CertPool);
	// URL then asks the client to require it.
	SMTPStartTLS SMTPOption = iota + 1
	// SMTPImplicitTLS speaks TLS from the first byte, as on port 465; URL then
	// starts with smtps://.
	SMTPImplicitTLS
	// SMTPRequireAuth refuses mail until the client has authenticated with AUTH
	// PLAIN as SMTPUser and SMTPPassword; URL then holds them.
	SMTPRequireAuth
)

// SMTPServer is a real SMTP server on 127.0.0.1 that records what it is given,
// for tests that follow an email from the queue to the inbox. It can refuse mail
// with a chosen reply, and stop and start again on the same port to play a mail
// server that is down for a while.
type SMTPServer struct {
	addr        string
	startTLS    bool
	implicitTLS bool
	auth        bool
	tls         *tls.Config
	pool        *x509.CertPool

	mu         sync.Mutex
	srv        *smtp.Server
	listener   net.Listener
	done       chan struct{} // closed when the running server's Serve returns
	received   []Received
	notify     chan struct{} // closed and replaced at every delivery
	reject     *smtp.SMTPError
	rejectAddr map[string]*smtp.SMTPError
	delay      time.Duration
	gate       chan struct{} // non-nil while Hold is in force; closed by Release
	held       int           // recipients waiting at the gate
	muted      bool          // Mute is in force
	silent     []net.Conn    // connections accepted while muted, never answered
	conns      int           // connections accepted, muted ones included
}

// Received is one delivered message.
type Received struct {
	From string   // MAIL FROM
	To   []string // RCPT TO
	Data []byte   // the message as sent, after dot-unstuffing
	TLS  bool     // whether the connection was encrypted
	User string   // who authenticated, "" when nobody did
	// The parsed message: the header, the decoded subject and the decoded text
	// and HTML parts. ParseError says why parsing failed, if it did.
	Header     mail.Header
	Subject    string
	Text       string
	HTML       string
	ParseError string
}

// NewSMTPServer starts an SMTP server on a free port of 127.0.0.1 and stops it
// when the test ends.
func NewSMTPServer(t testing.TB, opts ...SMTPOption) *SMTPServer {
	t.Helper()
	s := &SMTPServer{addr: "127.0.0.1:0", notify: make(chan struct{}), rejectAddr: map[string]*smtp.SMTPError{}}
	for _, o := range opts {
		switch o {
		case SMTPStartTLS:
			s.startTLS = true
		case SMTPImplicitTLS:
			s.implicitTLS = true
		case SMTPRequireAuth:
			s.auth = true
		}
	}
	if s.startTLS || s.implicitTLS {
		cert, pool, err := selfSigned()
		if err != nil {
			t.Fatalf("gatehousetest: certificate: %v", err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.pool = pool
	}
	if err := s.start(); err != nil {
		t.Fatalf("gatehousetest: starting the SMTP server: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Addr returns host:port.
func (s *SMTPServer) Addr() string { return s.addr }

// URL returns the GATEHOUSE_MAIL_URL that reaches this server. With TLS, the
// client must trust CertPool (mail.Options.RootCAs) or add insecure_skip_verify=1.
func (s *SMTPServer) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.addr}
	if s.implicitTLS {
		u.Scheme = "smtps"
	}
	if s.auth {
		u.User = url.UserPassword(SMTPUser, SMTPPassword)
	}
	if s.startTLS {
		u.RawQuery = "starttls=required"
	}
	return u.String()
}

// CertPool returns a pool holding the server's self-signed certificate, or nil
// when the server has no TLS.
func (s *SMTPServer) CertPool() *x509.CertPool { return s.pool }

// Start starts a stopped server again on the same port. It panics if another
// program took the port meanwhile, which on 127.0.0.1 is rare enough to ignore.
func (s *SMTPServer) Start() {
	if err := s.start(); err != nil {
		panic("gatehousetest: restarting the SMTP server: " + err.Error())
	}
}

func (s *SMTPServer) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	s.addr = l.Addr().String()
	l = &muteListener{Listener: l, s: s}
	if s.implicitTLS {
		l = tls.NewListener(l, s.tls)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	// Like a real submission server: AUTH only over TLS, except when there is no
	// TLS at all, where the client may send it to localhost.
	srv.AllowInsecureAuth = !s.startTLS
	if s.startTLS {
		srv.TLSConfig = s.tls
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	s.srv, s.listener, s.done = srv, l, done
	return nil
}

// Stop closes the listener and every connection, and ends Hold and Mute;
// clients get connection refused until Start.
func (s *SMTPServer) Stop() {
	s.Release()
	s.Unmute()
	s.mu.Lock()
	srv, l, done := s.srv, s.listener, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
		// Close only closes the listeners Serve has registered, and Serve may not
		// have started yet.
		l.Close()
		<-done
	}
}

// Connections returns how many connections the server has accepted so far,
// those kept silent by Mute included: how often a client tried.
func (s *SMTPServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Messages returns the messages delivered so far, oldest first.
func (s *SMTPServer) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// WaitFor waits until at least n messages have been delivered and returns them;
// the test fails when that takes longer than timeout.
func (s *SMTPServer) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	waitFor(t, n, timeout, "messages, the SMTP server has", func() (int, chan struct{}) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.received), s.notify
	})
	return s.Messages()
}

// waitFor waits until state reports at least n items, woken by the channel it
// returns (closed on each change); the test fails after timeout.
func waitFor(t testing.TB, n int, timeout time.Duration, what string, state func() (int, chan struct{})) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		got, notify := state()
		if got >= n {
			return
		}
		select {
		case <-notify:
		case <-deadline.C:
			t.Fatalf("gatehousetest: waited %v for %d %s %d", timeout, n, what, got)
		}
	}
}

// Last returns the latest message delivered to the address, if any.
func (s *SMTPServer) Last(to string) (Received, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.received) - 1; i >= 0; i-- {
		for _, rcpt := range s.received[i].To {
			if strings.EqualFold(rcpt, to) {
				return s.received[i], true
			}
		}
	}
	return Received{}, false
}

func (s *SMTPServer) deliver(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, r)
	s.wake()
}
