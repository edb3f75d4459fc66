package gatehouse

import (
	"crypto/rand"
	"io"
	"math"
	"net/netip"
	"strconv"
	"time"
)

// RetrySeconds is d rounded up to whole seconds, at least one: the
// RetryAfter of a Throttled error.
func RetrySeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// HumanWait says d in words for people ("1 second", "5 minutes", "2 hours"),
// rounded up to the unit.
func HumanWait(d time.Duration) string {
	switch s := RetrySeconds(d); {
	case s < 60:
		if s == 1 {
			return "1 second"
		}
		return strconv.Itoa(s) + " seconds"
	case s < 3600:
		m := (s + 59) / 60
		if m == 1 {
			return "1 minute"
		}
		return strconv.Itoa(m) + " minutes"
	default:
		h := (s + 3599) / 3600
		if h == 1 {
			return "1 hour"
		}
		return strconv.Itoa(h) + " hours"
	}
}

// AddressKey groups client addresses the way an attacker would hold them: one IPv4
// address, or one IPv6 /64 network.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "unknown"
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// NowOr returns now by the clock, in UTC: time.Now when clock is nil. A
// service's Now field is such a clock, which tests set.
func NowOr(clock func() time.Time) time.Time {
	if clock != nil {
		return clock().UTC()
	}
	return time.Now().UTC()
}

// RandOr returns r, or crypto/rand's Reader when r is nil. A service's Rand
// field is such a reader, which tests set.
func RandOr(r io.Reader) io.Reader {
	if r != nil {
		return r
	}
	return rand.Reader
}
