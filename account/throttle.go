package account

import (
	"context"
	"math"
	"net/netip"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// failureMemory is how long failed sign-ins are remembered after the latest one.
// Delays grow while failures keep coming and are forgotten a day after they stop
// (or at once for the account on a successful sign-in).
const failureMemory = 24 * time.Hour

// backoff returns how long to wait after count failures when the first free ones
// cost nothing: one second after the first failure beyond free, doubling each time,
// capped at max. There is no permanent lockout.
func backoff(count, free int, max time.Duration) time.Duration {
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

// wait returns how long a caller must still wait at now given the counter.
func wait(c gatehouse.Counter, free int, max time.Duration, now time.Time) time.Duration {
	d := backoff(c.Count, free, max)
	if d == 0 {
		return 0
	}
	if until := c.Last.Add(d); until.After(now) {
		return until.Sub(now)
	}
	return 0
}

// addressKey groups client addresses the way an attacker would hold them: one IPv4
// address, or one IPv6 /64 network.
func addressKey(ip string) string {
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

func retrySeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

// throttled is the error for a caller who must wait d.
func throttled(op string, d time.Duration) error {
	return &gatehouse.Error{
		Code: gatehouse.Throttled, Op: op, RetryAfter: retrySeconds(d),
		Message: "Too many failed attempts. Wait " + humanWait(d) + " and try again.",
	}
}

func humanWait(d time.Duration) string {
	switch s := retrySeconds(d); {
	case s < 60:
		if s == 1 {
			return "1 second"
		}
		return itoa(s) + " seconds"
	case s < 3600:
		m := (s + 59) / 60
		if m == 1 {
			return "1 minute"
		}
		return itoa(m) + " minutes"
	default:
		h := (s + 3599) / 3600
		if h == 1 {
			return "1 hour"
		}
		return itoa(h) + " hours"
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// signinKeys returns the counter keys for an account (by member id when the
// identifier resolved, else by the identifier itself, so unknown names are
// throttled alike) and for the client address.
func signinKeys(orgID, memberID, identifier, ip string) (account, address string) {
	if memberID != "" {
		account = "signin:member:" + orgID + ":" + memberID
	} else {
		account = "signin:name:" + orgID + ":" + storable(truncate(gatehouse.NormalizeIdentifier(identifier), 256))
	}
	return account, "signin:addr:" + orgID + ":" + addressKey(ip)
}

// memberThrottleKeys returns the key of every per-account counter that can
// hold a member back from signing in, each with the failures it allows
// without delay: wrong passwords (by member id, and by each identifier of the
// member, for when one is counted by name) and wrong second-factor answers.
// Per-address counters are not the member's: they stay. Whoever changes how
// a per-account limit is counted adds its key here, so that lifting a
// member's throttle (LiftThrottle) keeps lifting all of it.
func memberThrottleKeys(set *gatehouse.Settings, m *gatehouse.Member) map[string]int {
	account, _ := signinKeys(m.OrgID, m.ID, "", "")
	keys := map[string]int{account: set.SigninFreeAttempts, secondFactorKey(m): secondFactorFreeAttempts}
	for _, id := range []string{m.Username, m.Email, m.WorkEmail} {
		if id != "" {
			name, _ := signinKeys(m.OrgID, "", id, "")
			keys[name] = set.SigninFreeAttempts
		}
	}
	return keys
}

// memberThrottle returns how long m must still wait at now before the next
// sign-in try counts (0: not throttled), and how many recent failures the
// per-account counters hold.
func (s *Service) memberThrottle(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, now time.Time) (time.Duration, int, error) {
	var d time.Duration
	failures := 0
	for key, free := range memberThrottleKeys(set, m) {
		c, err := s.Counters.Peek(ctx, key, now)
		if err != nil {
			return 0, 0, gatehouse.Wrap("account.memberThrottle", err)
		}
		failures += c.Count
		d = max(d, wait(c, free, set.SigninMaxDelay, now))
	}
	return d, failures, nil
}

// liftMemberThrottle forgets every per-account failure of m.
func (s *Service) liftMemberThrottle(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member) error {
	for key := range memberThrottleKeys(set, m) {
		if err := s.Counters.Reset(ctx, key); err != nil {
			return gatehouse.Wrap("account.liftMemberThrottle", err)
		}
	}
	return nil
}

// signinWait returns how long the account or the address must still wait.
func (s *Service) signinWait(ctx context.Context, set *gatehouse.Settings, accountKey, addressKey string, now time.Time) (time.Duration, error) {
	d, _, err := s.signinWaitCount(ctx, set, accountKey, addressKey, now)
	return d, err
}

// signinWaitCount is signinWait that also returns the account's count of
// recent failures, so that a successful sign-in writes only when there are
// failures to forget.
func (s *Service) signinWaitCount(ctx context.Context, set *gatehouse.Settings, accountKey, addressKey string, now time.Time) (time.Duration, int, error) {
	a, err := s.Counters.Peek(ctx, accountKey, now)
	if err != nil {
		return 0, 0, gatehouse.Wrap("account.signinWait", err)
	}
	b, err := s.Counters.Peek(ctx, addressKey, now)
	if err != nil {
		return 0, 0, gatehouse.Wrap("account.signinWait", err)
	}
	return max(wait(a, set.SigninFreeAttempts, set.SigninMaxDelay, now),
		wait(b, set.SigninAddressFreeAttempts, set.SigninMaxDelay, now)), a.Count, nil
}

// signinFailed counts a failure for the account and the address and returns the
// delay it now imposes (0 while within the free attempts).
func (s *Service) signinFailed(ctx context.Context, set *gatehouse.Settings, accountKey, addressKey string, now time.Time) (time.Duration, error) {
	a, err := s.Counters.Incr(ctx, accountKey, now, failureMemory, true)
	if err != nil {
		return 0, gatehouse.Wrap("account.signinFailed", err)
	}
	b, err := s.Counters.Incr(ctx, addressKey, now, failureMemory, true)
	if err != nil {
		return 0, gatehouse.Wrap("account.signinFailed", err)
	}
	return max(backoff(a.Count, set.SigninFreeAttempts, set.SigninMaxDelay),
		backoff(b.Count, set.SigninAddressFreeAttempts, set.SigninMaxDelay)), nil
}
