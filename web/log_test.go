package web

import (
	"testing"
	"time"
)

func TestLogLimiter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := logLimiter{now: func() time.Time { return now }}
	for i, want := range []struct {
		advance    time.Duration
		ok         bool
		suppressed int
	}{
		{0, true, 0},
		{0, false, 0},
		{500 * time.Millisecond, false, 0},
		{499 * time.Millisecond, false, 0},
		{time.Millisecond, true, 3}, // a second after the first line: the three held back are counted
		{time.Second, true, 0},
	} {
		now = now.Add(want.advance)
		if ok, n := l.allow(); ok != want.ok || n != want.suppressed {
			t.Errorf("call %d: allow() = %v, %d; want %v, %d", i, ok, n, want.ok, want.suppressed)
		}
	}
}
