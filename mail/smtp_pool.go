package mail

import (
	"net"
	"net/smtp"
	"sync"
	"time"
)

// Connections kept between messages. Servers close idle connections after a
// minute or more (RFC 5321 asks them to wait five); a connection idle longer
// than maxIdleTime is closed rather than reused.
const (
	maxIdleConns = 8
	maxIdleTime  = 20 * time.Second
)

// smtpSession is an open SMTP connection, greeted, encrypted and
// authenticated, between transactions.
type smtpSession struct {
	raw  net.Conn
	c    *smtp.Client
	idle time.Time // when it was put back
}

// close ends the session politely when the server still listens, and at once
// otherwise.
func (s *smtpSession) close() {
	_ = s.raw.SetDeadline(time.Now().Add(time.Second))
	_ = s.c.Quit()
	s.raw.Close()
}

// smtpPool keeps up to maxIdleConns idle sessions, the latest used first. The
// number of connections in use is bounded by the callers' concurrency (the
// delivery worker's lanes).
type smtpPool struct {
	mu   sync.Mutex
	idle []*smtpSession
}

// get returns an idle session and true, or nil when there is none fresh enough.
func (p *smtpPool) get(now time.Time) (*smtpSession, bool) {
	p.mu.Lock()
	var stale []*smtpSession
	var s *smtpSession
	for len(p.idle) > 0 {
		last := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if now.Sub(last.idle) < maxIdleTime {
			s = last
			break
		}
		stale = append(stale, last)
	}
	if s == nil {
		// Whatever is left is older still.
		stale = append(stale, p.idle...)
		p.idle = p.idle[:0]
	}
	p.mu.Unlock()
	for _, x := range stale {
		x.raw.Close()
	}
	return s, s != nil
}

// put keeps s for the next message, or closes it when enough are kept.
func (p *smtpPool) put(s *smtpSession, now time.Time) {
	s.idle = now
	p.mu.Lock()
	if len(p.idle) < maxIdleConns {
		p.idle = append(p.idle, s)
		s = nil
	}
	p.mu.Unlock()
	if s != nil {
		s.close()
	}
}
