package twofactor

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// FieldCode is the form field of every code: sent, app or recovery.
const FieldCode = "code"

// Delivery says where the message carrying a code stands, for the member.
type Delivery string

// Deliveries.
const (
	DeliveryQueued  Delivery = "queued"  // not sent yet
	DeliverySent    Delivery = "sent"    // handed to the provider
	DeliveryDelayed Delivery = "delayed" // an attempt failed; it will be retried
	DeliveryFailed  Delivery = "failed"  // given up: a wrong number, a refused address
)

// CodeStatus describes the code sent for a session, masked for the page.
type CodeStatus struct {
	Channel   gatehouse.Channel
	To        string // masked: "•••• 1234", "a•••@example.com"
	ExpiresAt time.Time
	Expired   bool
	Dead      bool // five wrong tries
	Used      bool
	TriesLeft int
	Delivery  Delivery
}

// Wait refuses a try while the member or the address must wait.
func (s *Service) Wait(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, c gatehouse.Client) error {
	const op = "twofactor.Wait"
	now := s.now()
	a, err := s.Counters.Peek(ctx, gatehouse.SecondFactorKey(m), now)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	b, err := s.Counters.Peek(ctx, gatehouse.SecondFactorAddressKey(m.OrgID, c), now)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	d := max(gatehouse.CounterWait(a, gatehouse.SecondFactorFreeAttempts, set.SigninMaxDelay, now),
		gatehouse.CounterWait(b, gatehouse.SecondFactorAddressFreeAttempts, set.SigninMaxDelay, now))
	if d > 0 {
		return &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: gatehouse.RetrySeconds(d),
			Message: "Too many wrong codes. Wait " + gatehouse.HumanWait(d) + " and try again."}
	}
	return nil
}

// Failed counts and audits a wrong answer.
func (s *Service) Failed(ctx context.Context, m *gatehouse.Member, c gatehouse.Client, method, reason string) error {
	const op = "twofactor.Failed"
	now := s.now()
	if _, err := s.Counters.Incr(ctx, gatehouse.SecondFactorKey(m), now, gatehouse.FailureMemory, true); err != nil {
		return gatehouse.Wrap(op, err)
	}
	if _, err := s.Counters.Incr(ctx, gatehouse.SecondFactorAddressKey(m.OrgID, c), now, gatehouse.FailureMemory, true); err != nil {
		return gatehouse.Wrap(op, err)
	}
	return s.audit(ctx, s.Store, event(gatehouse.EventCodeFailed, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
		map[string]string{"method": method, "reason": reason}))
}

// digitsOnly returns a typed numeric code without the spaces and dashes people
// add, and whether it has n digits.
func digitsOnly(typed string, n int) (string, bool) {
	var b strings.Builder
	for _, r := range typed {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return "", false
		}
		if b.Len() > n {
			return "", false
		}
	}
	return b.String(), b.Len() == n
}

func codeField(code, msg string) gatehouse.FieldError {
	return gatehouse.FieldError{Field: FieldCode, Code: code, Message: msg}
}

// Methods of proving the second factor.
const (
	MethodCode     = "code"     // a code sent by SMS or email
	MethodApp      = "app"      // an authenticator app (TOTP)
	MethodRecovery = "recovery" // a single-use recovery code
)

// MethodPasskey proves the second factor with a passkey (package passkey).
const MethodPasskey = "passkey"
