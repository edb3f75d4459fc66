package web

import (
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// levelFor logs server errors as errors, refused requests as information and the
// rest only at debug level, so a flood of good requests does not flood the log.
// 503 is a warning: the server is saturated or its database is away, which the
// operator should see, but it is not a fault of the server's own.
func levelFor(status int) slog.Level {
	switch {
	case status == http.StatusServiceUnavailable:
		return slog.LevelWarn
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// logLimiter lets one line through per second and counts the others, so that
// a flood of the same event (sign-ins shed while hashing is saturated, requests
// failing while the database is away) writes a line a second saying how many,
// not a line per request: thousands of lines a second would cost the CPUs the
// server is short of and bury everything else in the log.
type logLimiter struct {
	now        func() time.Time // nil: time.Now; the log's clock, not the domain's
	mu         sync.Mutex
	next       time.Time
	suppressed int
}

// allow reports whether a line may be written now, and how many were held back
// since the last one.
func (l *logLimiter) allow() (ok bool, suppressed int) {
	now := time.Now()
	if l.now != nil {
		now = l.now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next) {
		l.suppressed++
		return false, 0
	}
	l.next = now.Add(time.Second)
	n := l.suppressed
	l.suppressed = 0
	return true, n
}
