package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"time"
)

// smtpTransport speaks SMTP with net/smtp. It keeps a few connections open
// between messages (smtpPool): a connection, STARTTLS and AUTH cost more than
// the message itself, and a bulk activation sends hundreds at once. A
// connection is reused only after a transaction that ended well, and a reused
// connection that turns out to be closed is replaced before the message is
// sent, never after.
type smtpTransport struct {
	host, addr  string
	implicitTLS bool
	requireTLS  bool
	user, pass  string
	tls         *tls.Config
	opts        Options
	pool        smtpPool
}

func openSMTP(u *url.URL, opts Options) (Transport, error) {
	if err := checkQuery(u, "starttls", "insecure_skip_verify"); err != nil {
		return nil, err
	}
	if u.Path != "" && u.Path != "/" {
		return nil, errors.New("mail: an smtp URL has no path")
	}
	t := &smtpTransport{host: u.Hostname(), implicitTLS: u.Scheme == "smtps", opts: opts}
	if t.host == "" {
		return nil, errors.New("mail: the smtp URL has no host")
	}
	port := u.Port()
	if port == "" {
		port = "25"
		if t.implicitTLS {
			port = "465"
		}
	}
	t.addr = net.JoinHostPort(t.host, port)
	q := u.Query()
	switch q.Get("starttls") {
	case "":
	case "required":
		if t.implicitTLS {
			return nil, errors.New("mail: starttls=required applies to smtp://; smtps:// is always encrypted")
		}
		t.requireTLS = true
	default:
		return nil, fmt.Errorf("mail: starttls=%q: the only value is required", q.Get("starttls"))
	}
	insecure := false
	switch q.Get("insecure_skip_verify") {
	case "", "0", "false":
	case "1", "true":
		insecure = true
	default:
		return nil, errors.New("mail: insecure_skip_verify must be 1 or 0")
	}
	if u.User != nil {
		t.user = u.User.Username()
		t.pass, _ = u.User.Password()
	}
	t.tls = &tls.Config{
		ServerName:         t.host,
		RootCAs:            opts.RootCAs,
		InsecureSkipVerify: insecure, // only when the operator wrote insecure_skip_verify=1
		MinVersion:         tls.VersionTLS12,
	}
	return t, nil
}

func (t *smtpTransport) Send(ctx context.Context, m *Envelope) error {
	msg, err := Compose(m)
	if err != nil {
		return err
	}
	for {
		sess, reused := t.pool.get(time.Now())
		if sess == nil {
			if sess, err = t.open(ctx); err != nil {
				return err
			}
		}
		// Closing the connection is the only way to interrupt net/smtp when
		// the context ends.
		stop := context.AfterFunc(ctx, func() { sess.raw.Close() })
		stage, err := t.deliver(sess.c, m, msg)
		stop()
		if err == nil && ctx.Err() == nil {
			t.pool.put(sess, time.Now())
			return nil
		}
		sess.close()
		if err == nil {
			return nil // delivered; only the connection is not kept
		}
		// A kept connection the server has closed meanwhile fails at MAIL
		// FROM, before anything of the message was sent: try a new one.
		if reused && stage == "mail from" && !IsPermanent(err) && ctx.Err() == nil {
			continue
		}
		if ctx.Err() != nil {
			return temporary("send", fmt.Errorf("%w: %v", ctx.Err(), err))
		}
		return err
	}
}

// open connects, says hello, starts TLS and authenticates. Failures here
// concern the server or our configuration, not the message, so they are
// temporary: once the server is back or the password fixed, the queued
// messages go.
func (t *smtpTransport) open(ctx context.Context) (*smtpSession, error) {
	dctx, cancel := context.WithTimeout(ctx, t.opts.DialTimeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(dctx, "tcp", t.addr)
	if err != nil {
		return nil, temporary("connect", err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	sess, err := t.handshake(dctx, raw)
	if err != nil {
		raw.Close()
		if ctx.Err() != nil {
			return nil, temporary("send", fmt.Errorf("%w: %v", ctx.Err(), err))
		}
		return nil, err
	}
	return sess, nil
}

func (t *smtpTransport) handshake(ctx context.Context, raw net.Conn) (*smtpSession, error) {
	var conn net.Conn = &deadlineConn{Conn: raw, timeout: t.opts.CommandTimeout}
	if t.implicitTLS {
		tc := tls.Client(conn, t.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, temporary("tls", err)
		}
		// net/smtp recognises the *tls.Conn and then allows AUTH PLAIN.
		conn = tc
	}
	c, err := smtp.NewClient(conn, t.host)
	if err != nil {
		return nil, temporary("greeting", err)
	}
	if err := c.Hello(t.opts.HelloName); err != nil {
		return nil, temporary("hello", err)
	}
	if !t.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(t.tls); err != nil {
				return nil, temporary("starttls", err)
			}
		} else if t.requireTLS {
			return nil, temporary("starttls", errors.New("the server does not offer STARTTLS and the URL says starttls=required"))
		}
	}
	if t.user != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return nil, temporary("auth", errors.New("the server does not offer AUTH"))
		}
		// PlainAuth refuses to send the password unencrypted except to localhost.
		if err := c.Auth(smtp.PlainAuth("", t.user, t.pass, t.host)); err != nil {
			return nil, temporary("auth", err)
		}
	}
	return &smtpSession{raw: raw, c: c}, nil
}

// deliver runs one mail transaction on an open session and returns the
// stage that failed. A 5xx reply to MAIL, RCPT or DATA refuses this message
// and is permanent.
func (t *smtpTransport) deliver(c *smtp.Client, m *Envelope, msg []byte) (string, error) {
	if err := c.Mail(m.From.Address); err != nil {
		return "mail from", classify("mail from", err)
	}
	if err := c.Rcpt(m.To.Address); err != nil {
		return "rcpt to", classify("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return "data", classify("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return "data", temporary("data", err)
	}
	if err := w.Close(); err != nil {
		return "data", classify("data", err)
	}
	// The server has taken responsibility for the message.
	return "", nil
}

// classify turns an SMTP reply into an Error: 5xx is permanent, anything else
// (4xx, a broken connection) temporary. 530 "authentication required" is
// temporary because it means our configuration lacks credentials.
func classify(op string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &Error{Op: op, Code: te.Code, Permanent: te.Code >= 500 && te.Code < 600 && te.Code != 530, Err: err}
	}
	return temporary(op, err)
}

// deadlineConn gives every read and write its own deadline, which bounds each
// SMTP command without limiting how long a large message may take in all.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}
