package gatehousetest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
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

// Mute makes the server accept connections and then never say a word on them,
// not even its greeting, as a mail server that hangs would, until Unmute. The
// connections it accepts meanwhile stay open until Unmute or Stop.
func (s *SMTPServer) Mute() {
	s.mu.Lock()
	s.muted = true
	s.mu.Unlock()
}

// Unmute ends Mute and closes the connections kept silent.
func (s *SMTPServer) Unmute() {
	s.mu.Lock()
	s.muted = false
	silent := s.silent
	s.silent = nil
	s.mu.Unlock()
	for _, c := range silent {
		c.Close()
	}
}

// Connections returns how many connections the server has accepted so far,
// those kept silent by Mute included: how often a client tried.
func (s *SMTPServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// muteListener counts connections and keeps those that come while the
// server is muted away from the SMTP server, open and unanswered.
type muteListener struct {
	net.Listener
	s *SMTPServer
}

func (l *muteListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		s := l.s
		s.mu.Lock()
		s.conns++
		muted := s.muted
		if muted {
			s.silent = append(s.silent, c)
		}
		s.wake()
		s.mu.Unlock()
		if !muted {
			return c, nil
		}
	}
}

// RejectWith makes the server refuse every recipient with the given reply, for
// instance 550 (permanent) or 451 (try again later), until Accept.
func (s *SMTPServer) RejectWith(code int, msg string) {
	s.mu.Lock()
	s.reject = replyError(code, msg)
	s.mu.Unlock()
}

// RejectAddress makes the server refuse one recipient with the given reply.
func (s *SMTPServer) RejectAddress(to string, code int, msg string) {
	s.mu.Lock()
	s.rejectAddr[strings.ToLower(to)] = replyError(code, msg)
	s.mu.Unlock()
}

// Accept undoes RejectWith and RejectAddress.
func (s *SMTPServer) Accept() {
	s.mu.Lock()
	s.reject = nil
	s.rejectAddr = map[string]*smtp.SMTPError{}
	s.mu.Unlock()
}

func replyError(code int, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
}

// Delay makes the server wait d before it answers each recipient (RCPT TO), as
// a slow mail server would, so that sending takes a while; 0 ends the delay.
func (s *SMTPServer) Delay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Hold makes the server keep every recipient (RCPT TO) waiting for an answer
// until Release, as a stalled mail server would. A client kept waiting has not
// sent its message yet, so a client that dies meanwhile delivers nothing.
func (s *SMTPServer) Hold() {
	s.mu.Lock()
	if s.gate == nil {
		s.gate = make(chan struct{})
	}
	s.mu.Unlock()
}

// Release answers every recipient kept waiting by Hold, and the next ones at once.
func (s *SMTPServer) Release() {
	s.mu.Lock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
	s.mu.Unlock()
}

// WaitHeld waits until at least n recipients are kept waiting by Hold; the
// test fails when that takes longer than timeout.
func (s *SMTPServer) WaitHeld(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	waitFor(t, n, timeout, "held recipients, the SMTP server holds", func() (int, chan struct{}) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.held, s.notify
	})
}

// wait applies Delay and Hold to one recipient.
func (s *SMTPServer) wait() {
	s.mu.Lock()
	d, gate := s.delay, s.gate
	if gate != nil {
		s.held++
		s.wake()
	}
	s.mu.Unlock()
	if d > 0 {
		time.Sleep(d)
	}
	if gate != nil {
		<-gate
		s.mu.Lock()
		s.held--
		s.mu.Unlock()
	}
}

// wake tells the waiters of WaitFor and WaitHeld that something changed; s.mu
// must be held.
func (s *SMTPServer) wake() {
	close(s.notify)
	s.notify = make(chan struct{})
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

func (s *SMTPServer) refusal(to string) *smtp.SMTPError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.rejectAddr[strings.ToLower(to)]; e != nil {
		return e
	}
	return s.reject
}

// smtpSession is one SMTP connection.
type smtpSession struct {
	s    *SMTPServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.s.auth {
		return []string{sasl.Plain}
	}
	return nil
}

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != SMTPUser || pass != SMTPPassword || identity != "" && identity != user {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.auth && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.wait()
	if e := ss.s.refusal(to); e != nil {
		return e
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(ss.to) == 0 {
		return errors.New("no recipients")
	}
	_, isTLS := ss.conn.TLSConnectionState()
	rec := Received{From: ss.from, To: ss.to, Data: data, TLS: isTLS, User: ss.user}
	parseReceived(&rec, bytes.NewReader(data))
	ss.s.deliver(rec)
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

func (ss *smtpSession) Logout() error { return nil }

// parseReceived fills the parsed fields of r from the raw message. Quoted-printable
// parts are decoded by mime/multipart on the way.
func parseReceived(r *Received, raw io.Reader) {
	msg, err := mail.ReadMessage(raw)
	if err != nil {
		r.ParseError = err.Error()
		return
	}
	r.Header = msg.Header
	dec := new(mime.WordDecoder)
	if r.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		r.ParseError = "subject: " + err.Error()
	}
	typ, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		r.ParseError = "content type: " + err.Error()
		return
	}
	if !strings.HasPrefix(typ, "multipart/") {
		body, err := io.ReadAll(decodeBody(msg.Header.Get("Content-Transfer-Encoding"), msg.Body))
		if err != nil {
			r.ParseError = err.Error()
		}
		if typ == "text/html" {
			r.HTML = string(body)
		} else {
			r.Text = string(body)
		}
		return
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			r.ParseError = "multipart: " + err.Error()
			return
		}
		body, err := io.ReadAll(p)
		if err != nil {
			r.ParseError = "part: " + err.Error()
			return
		}
		ptyp, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch {
		case ptyp == "text/plain" && r.Text == "":
			r.Text = string(body)
		case ptyp == "text/html" && r.HTML == "":
			r.HTML = string(body)
		}
	}
}

func decodeBody(encoding string, r io.Reader) io.Reader {
	if strings.EqualFold(encoding, "quoted-printable") {
		return quotedprintable.NewReader(r)
	}
	return r
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"']+`)

// LinkIn returns the first http or https link in the text part of a message, ""
// when there is none.
func LinkIn(r Received) string {
	return strings.TrimRight(linkPattern.FindString(r.Text), ".,;:)!?")
}

// selfSigned makes a short-lived ECDSA certificate for 127.0.0.1, ::1 and
// localhost, and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "gatehousetest"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // its own root, so that a pool holding it verifies it
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
