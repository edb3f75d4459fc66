package account

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Field names of the support PIN forms.
const (
	FieldPIN        = "pin"
	FieldConfirmPIN = "confirm_pin"
)

// Throttle of support PIN checks (S28): after pinFreeFailures wrong PINs for one
// member within pinWindow, further checks of that member are refused until the
// window ends. Six digits are a million PINs; five guesses an hour is not a way
// through them.
const (
	pinFreeFailures = 5
	pinWindow       = time.Hour
)

// SetSupportPINRequest is a member setting or changing their support PIN.
type SetSupportPINRequest struct {
	Member  *gatehouse.Member
	Current string // the member's current password
	PIN     string
	Confirm string
	Client  gatehouse.Client
}

// SetSupportPIN stores a new support PIN for the member after checking their
// current password (throttled like a sign-in). The PIN is hashed with the
// password hasher (argon2id); it is never stored or logged in clear.
func (s *Service) SetSupportPIN(ctx context.Context, req SetSupportPINRequest) error {
	const op = "account.SetSupportPIN"
	m := req.Member
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	if err := s.reauthenticate(ctx, &set, op, m, req.Current, req.Client); err != nil {
		return err
	}
	var errs []gatehouse.FieldError
	if fe := gatehouse.ValidateSupportPIN(FieldPIN, req.PIN); fe != nil {
		errs = append(errs, *fe)
	} else if req.PIN != req.Confirm {
		errs = append(errs, gatehouse.FieldError{Field: FieldConfirmPIN, Code: gatehouse.RuleMismatch, Message: "The two PINs are not the same."})
	}
	if len(errs) > 0 {
		return gatehouse.InvalidFields(op, errs...)
	}
	hash, err := s.Hasher.Hash(ctx, req.PIN)
	if err != nil {
		return err
	}
	now := s.now()
	return s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		cur, err := lockMember(ctx, tx, op, m.OrgID, m.ID)
		if err != nil {
			return err
		}
		if err := activeSelf(op, now)(cur); err != nil {
			return err
		}
		first := cur.SupportPINHash == ""
		if err := tx.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{SupportPINHash: &hash, UpdatedAt: now}); err != nil {
			return gatehouse.Wrap(op, err)
		}
		m.SupportPINHash = hash
		what := "changed"
		if first {
			what = "set"
		}
		return s.audit(ctx, tx, event(gatehouse.EventSupportPINSet, m.OrgID, gatehouse.MemberActor(m), m.ID, req.Client,
			map[string]string{"action": what}))
	})
}

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
	const op = "account.VerifySupportPIN"
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
		return "", &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: retrySeconds(cnt.First.Add(pinWindow).Sub(now)),
			Message: "Too many wrong PINs for this member. Wait " + humanWait(cnt.First.Add(pinWindow).Sub(now)) + " before checking again, and be wary of this caller."}
	}
	if !gatehouse.WellFormedSupportPIN(pin) {
		if err := record("malformed"); err != nil {
			return "", err
		}
		return "", gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldPIN, Code: "invalid", Message: "A support PIN has 6 to 8 digits."})
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
