package account

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

func addressKey(ip string) string { return gatehouse.AddressKey(ip) }

func retrySeconds(d time.Duration) int { return gatehouse.RetrySeconds(d) }

// Throttled is the error for a caller who must wait d.
func Throttled(op string, d time.Duration) error {
	return &gatehouse.Error{
		Code: gatehouse.Throttled, Op: op, RetryAfter: retrySeconds(d),
		Message: "Too many failed attempts. Wait " + humanWait(d) + " and try again.",
	}
}

func humanWait(d time.Duration) string { return gatehouse.HumanWait(d) }

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

// SignInKeys name the three counters of failed sign-ins. Two are visible: a
// caller over their limit is answered 429 with Retry-After before any work. The
// third, the account's, never is: an account over its limit is refused with
// the answer of a wrong password, after the same work, so that no answer tells
// which identifiers (username, personal and work email) belong to one account.
type SignInKeys struct {
	Name    string // the identifier as typed, normalized: visible
	Address string // the client address (IPv4, or IPv6 /64): visible
	// Account is the account the identifier names. For an identifier that
	// names none it is a key of that identifier's own, so that both outcomes
	// read and write the same number of counters.
	Account string
}

// NewSignInKeys returns the keys of a sign-in with identifier from ip, about
// the member with memberID ("" when the identifier names none).
func NewSignInKeys(orgID, memberID, identifier, ip string) SignInKeys {
	name := storable(truncate(gatehouse.NormalizeIdentifier(identifier), 256))
	k := SignInKeys{Name: "signin:name:" + orgID + ":" + name, Address: "signin:addr:" + orgID + ":" + addressKey(ip),
		Account: "signin:noaccount:" + orgID + ":" + name}
	if memberID != "" {
		k.Account = memberSigninKey(orgID, memberID)
	}
	return k
}

// memberSigninKey names the counter of the member's failed sign-ins.
func memberSigninKey(orgID, memberID string) string {
	return "signin:member:" + orgID + ":" + memberID
}

// memberCounter is one per-account counter of a member's failures: its key,
// the failures it allows without delay, and whether its count is failures of
// its own (a failure typed with the username counts on the member's counter
// and on the username's: the second is not counted twice).
type memberCounter struct {
	key   string
	free  int
	tally bool
}

// memberThrottleKeys returns every per-account counter that can hold a member
// back from signing in: wrong passwords (the member's hidden counter, and the
// counter of each identifier of the member, which a caller typing it is shown)
// and wrong second-factor answers. Per-address counters are not the member's:
// they stay. Whoever changes how a per-account limit is counted adds its key
// here, so that lifting a member's throttle (LiftThrottle) keeps lifting all
// of it.
func memberThrottleKeys(set *gatehouse.Settings, m *gatehouse.Member) []memberCounter {
	out := []memberCounter{
		{memberSigninKey(m.OrgID, m.ID), set.SigninFreeAttempts, true},
		{gatehouse.SecondFactorKey(m), gatehouse.SecondFactorFreeAttempts, true},
	}
	for _, id := range []string{m.Username, m.Email, m.WorkEmail} {
		if id != "" {
			out = append(out, memberCounter{NewSignInKeys(m.OrgID, m.ID, id, "").Name, set.SigninFreeAttempts, false})
		}
	}
	return out
}

// SignInThrottle returns how long m must still wait at now before the next
// sign-in try counts (0: not throttled), and how many recent failures the
// per-account counters hold.
func (s *Service) SignInThrottle(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, now time.Time) (time.Duration, int, error) {
	var d time.Duration
	failures := 0
	for _, mc := range memberThrottleKeys(set, m) {
		c, err := s.Counters.Peek(ctx, mc.key, now)
		if err != nil {
			return 0, 0, gatehouse.Wrap("account.SignInThrottle", err)
		}
		if mc.tally {
			failures += c.Count
		}
		d = max(d, gatehouse.CounterWait(c, mc.free, set.SigninMaxDelay, now))
	}
	return d, failures, nil
}

// LiftSignInThrottle forgets every per-account failure of m.
func (s *Service) LiftSignInThrottle(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member) error {
	for _, mc := range memberThrottleKeys(set, m) {
		if err := s.Counters.Reset(ctx, mc.key); err != nil {
			return gatehouse.Wrap("account.LiftSignInThrottle", err)
		}
	}
	return nil
}

// SignInState is what the counters say before a password is checked.
type SignInState struct {
	// Visible is how long the identifier typed or the address must still wait:
	// the caller is told (429).
	Visible time.Duration
	// Account is how long the account must still wait: the caller is not told,
	// and even the right password is refused as a wrong one.
	Account time.Duration
	// NameFailures and AccountFailures are the counts of recent failures, so
	// that a success writes only when there are failures to forget.
	NameFailures, AccountFailures int
}

// ReadSignInThrottle reads the three counters of k.
func (s *Service) ReadSignInThrottle(ctx context.Context, set *gatehouse.Settings, k SignInKeys, now time.Time) (SignInState, error) {
	const op = "account.ReadSignInThrottle"
	var c [3]gatehouse.Counter
	for i, key := range []string{k.Name, k.Address, k.Account} {
		var err error
		if c[i], err = s.Counters.Peek(ctx, key, now); err != nil {
			return SignInState{}, gatehouse.Wrap(op, err)
		}
	}
	return SignInState{
		Visible: max(gatehouse.CounterWait(c[0], set.SigninFreeAttempts, set.SigninMaxDelay, now),
			gatehouse.CounterWait(c[1], set.SigninAddressFreeAttempts, set.SigninMaxDelay, now)),
		Account:      gatehouse.CounterWait(c[2], set.SigninFreeAttempts, set.SigninMaxDelay, now),
		NameFailures: c[0].Count, AccountFailures: c[2].Count,
	}, nil
}

// CountSignInFailure counts a failure on the three counters of k and returns the
// longest delay it now imposes (0 while within the free attempts).
func (s *Service) CountSignInFailure(ctx context.Context, set *gatehouse.Settings, k SignInKeys, now time.Time) (time.Duration, error) {
	var d time.Duration
	for i, key := range []string{k.Name, k.Address, k.Account} {
		c, err := s.Counters.Incr(ctx, key, now, gatehouse.FailureMemory, true)
		if err != nil {
			return 0, gatehouse.Wrap("account.CountSignInFailure", err)
		}
		free := set.SigninFreeAttempts
		if i == 1 {
			free = set.SigninAddressFreeAttempts
		}
		d = max(d, gatehouse.Backoff(c.Count, free, set.SigninMaxDelay))
	}
	return d, nil
}
