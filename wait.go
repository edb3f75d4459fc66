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

// FailureMemory is how long failures (sign-ins, second-factor answers) are
// remembered after the latest one. Delays grow while failures keep coming and
// are forgotten a day after they stop (or at once for the account on a
// successful sign-in).
const FailureMemory = 24 * time.Hour

// Backoff returns how long to wait after count failures when the first free
// ones cost nothing: one second after the first failure beyond free, doubling
// each time, capped at max. There is no permanent lockout.
func Backoff(count, free int, max time.Duration) time.Duration {
	over := count - free
	if over <= 0 {
		return 0
	}
	if over > 40 {
		return max
	}
	d := time.Duration(math.Pow(2, float64(over-1))) * time.Second
	if d > max || d <= 0 {
		return max
	}
	return d
}

// CounterWait returns how long a caller must still wait at now given the
// counter of its failures and the free ones.
func CounterWait(c Counter, free int, max time.Duration, now time.Time) time.Duration {
	d := Backoff(c.Count, free, max)
	if d == 0 {
		return 0
	}
	if until := c.Last.Add(d); until.After(now) {
		return until.Sub(now)
	}
	return 0
}

// Throttling of wrong second-factor answers (codes, app codes and recovery
// codes alike), on top of the five wrong tries that kill one sent code: after
// this many failures for a member, or from one address, each further try
// waits twice as long as the last, up to signin_max_delay.
const (
	SecondFactorFreeAttempts        = 10
	SecondFactorAddressFreeAttempts = 30
)

// SecondFactorKey names the counter of the member's wrong second-factor
// answers; lifting a member's throttle resets it too.
func SecondFactorKey(m *Member) string {
	return "2fa:fail:member:" + m.OrgID + ":" + m.ID
}

// SecondFactorAddressKey names the counter of wrong second-factor answers
// from the client's address in the organization.
func SecondFactorAddressKey(orgID string, c Client) string {
	return "2fa:fail:addr:" + orgID + ":" + AddressKey(c.IP)
}
