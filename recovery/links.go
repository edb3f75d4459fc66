package recovery

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Guessing one-time links. A link's secret has 256 random bits, so guessing
// one is hopeless; but nothing should let anyone try millions, and an
// administrator should see someone trying. Every use of a reset, activation or
// setup link that is refused as unknown, used, superseded or expired
// (ErrLinkInvalid) counts against the client address in a counter shared by
// every replica. Once an address has LinkFailuresPerAddress of them in a fixed
// hour, every link it presents is refused with Throttled (429 and Retry-After)
// until the hour is over, without being looked at: a valid link gets exactly the
// answer of an invalid one, so the throttle tells nothing about the links. The
// moment an address reaches the limit is audited (link.throttled), once per hour.

// LinkFailuresPerAddress is how many refused one-time links one client address
// (an IPv4 address or an IPv6 /64) may present in an hour. It is far above what
// a person clicking old emails needs and far below what guessing needs.
const LinkFailuresPerAddress = 20

// linkFailureWindow is the fixed window of the count.
const linkFailureWindow = time.Hour

func linkFailKey(c gatehouse.Client) string { return "link:fail:" + gatehouse.AddressKey(c.IP) }

// guardLink runs use, the check or use of a one-time link of purpose presented
// to the organization orgID from c, unless the address is throttled; it counts
// use's ErrLinkInvalid against the address.
func (s *Service) guardLink(ctx context.Context, orgID string, c gatehouse.Client, purpose gatehouse.TokenPurpose, use func() error) error {
	const op = "recovery.guardLink"
	now := s.now()
	key := linkFailKey(c)
	n, err := s.Counters.Peek(ctx, key, now)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	if n.Count >= LinkFailuresPerAddress {
		return linkThrottled(op, n, now)
	}
	err = use()
	if !errors.Is(err, ErrLinkInvalid) {
		return err
	}
	n, ierr := s.Counters.Incr(ctx, key, now, linkFailureWindow, false)
	if ierr != nil {
		return gatehouse.Wrap(op, ierr)
	}
	if n.Count == LinkFailuresPerAddress {
		if aerr := s.audit(ctx, s.Store, event(gatehouse.EventLinkThrottled, orgID, gatehouse.SystemActor(orgID), "", c, map[string]string{
			"purpose": string(purpose), "failures": strconv.Itoa(n.Count), "until": n.First.Add(linkFailureWindow).UTC().Format(time.RFC3339),
		})); aerr != nil {
			return aerr
		}
	}
	return err
}

// linkThrottled is the answer to every link from an address over the limit.
func linkThrottled(op string, n gatehouse.Counter, now time.Time) error {
	d := n.First.Add(linkFailureWindow).Sub(now)
	return &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: gatehouse.RetrySeconds(d),
		Message: "Too many links that do not work were opened from your network. Wait " + gatehouse.HumanWait(d) + " and try again."}
}
