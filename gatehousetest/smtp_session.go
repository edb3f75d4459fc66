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
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// What the SMTP server does with each message: the session of go-smtp, the
// parsing of what it received, and the self-signed certificate of its TLS.

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
