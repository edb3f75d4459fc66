package gatehousetest

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// The faults an SMTPServer plays: silence, refusals, delays and holds.

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

func (s *SMTPServer) refusal(to string) *smtp.SMTPError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.rejectAddr[strings.ToLower(to)]; e != nil {
		return e
	}
	return s.reject
}
