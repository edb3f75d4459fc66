package account

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
)

// Field names of the support PIN forms.
const (
	FieldPIN        = "pin"
	FieldConfirmPIN = "confirm_pin"
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
	if err := s.CheckCurrentPassword(ctx, &set, op, m, req.Current, req.Client); err != nil {
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
	return s.Tx.Tx(ctx, func(tx Tx) error {
		cur, err := gatehouse.LockMemberFor(ctx, tx, op, m.OrgID, m.ID)
		if err != nil {
			return err
		}
		if err := ActiveSelf(op, now)(cur); err != nil {
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
