package admin

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// Throttle of support PIN checks (S28): after pinFreeFailures wrong PINs for one
// member within pinWindow, further checks of that member are refused until the
// window ends. Six digits are a million PINs; five guesses an hour is not a way
// through them.
const (
	pinFreeFailures = 5
	pinWindow       = time.Hour
)

// PINResult is the outcome of checking a support PIN said on the telephone.
type PINResult string

// Outcomes of VerifySupportPIN.
const (
	PINMatch    PINResult = "match"
	PINMismatch PINResult = "mismatch"
	PINNotSet   PINResult = "not_set" // the member has no support PIN
)

// pinKey is the throttling counter of PIN checks against one member.
func pinKey(orgID, memberID string) string { return "pin:member:" + orgID + ":" + memberID }

// VerifySupportPIN checks a PIN that a caller claiming to be the member said on
// the telephone (S28). Every check is audited, whatever its outcome. Checks
// against one member are throttled: after five wrong PINs in an hour the
// answer is Throttled until the hour is over, for every administrator alike.
func (s *Service) VerifySupportPIN(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id, pin string) (PINResult, error) {
	const op = "admin.VerifySupportPIN"
	m, err := s.Member(ctx, actor, orgID, id)
	if err != nil {
		return "", err
	}
	if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionVerifyPIN, m); err != nil {
		return "", err
	}
	record := func(result string) error {
		return s.audit(ctx, s.Store, event(gatehouse.EventSupportPINChecked, orgID, actor, m.ID, c,
			map[string]string{"result": result}))
	}
	now := s.now()
	key := pinKey(orgID, m.ID)
	cnt, err := s.Counters.Peek(ctx, key, now)
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	if cnt.Count >= pinFreeFailures {
		if err := record("throttled"); err != nil {
			return "", err
		}
		return "", &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: gatehouse.RetrySeconds(cnt.First.Add(pinWindow).Sub(now)),
			Message: "Too many wrong PINs for this member. Wait " + gatehouse.HumanWait(cnt.First.Add(pinWindow).Sub(now)) + " before checking again, and be wary of this caller."}
	}
	if !gatehouse.WellFormedSupportPIN(pin) {
		if err := record("malformed"); err != nil {
			return "", err
		}
		return "", gatehouse.InvalidFields(op, gatehouse.FieldError{Field: account.FieldPIN, Code: "invalid", Message: "A support PIN has 6 to 8 digits."})
	}
	if m.SupportPINHash == "" {
		return PINNotSet, record(string(PINNotSet))
	}
	ok, _, err := s.Hasher.Verify(ctx, pin, m.SupportPINHash)
	if err != nil && gatehouse.IsCode(err, gatehouse.Unavailable) {
		return "", err
	}
	if !ok {
		if _, err := s.Counters.Incr(ctx, key, now, pinWindow, false); err != nil {
			return "", gatehouse.Wrap(op, err)
		}
		return PINMismatch, record(string(PINMismatch))
	}
	return PINMatch, record(string(PINMatch))
}
