package admin

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// The service desk's "I lost my phone": an administrator takes away a
// member's authenticator app, invalidates their recovery codes, stops
// trusting every browser of theirs, or asks them to set up a second factor at
// their next sign-in. Only an owner does so for an owner
// (gatehouse.ActionSecondFactors). Each is audited and emailed to the member;
// asked twice, the second time finds nothing to do and does nothing.

// FactorTx is what the administrators' changes of a member's second factors
// write through, in one transaction.
type FactorTx interface {
	account.StepStore
	gatehouse.MemberLocker
	ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error
	DeleteAuthenticator(ctx context.Context, orgID, memberID string) error
	ReplaceRecoveryCodes(ctx context.Context, orgID, memberID string, hashes []string, at time.Time) error
	RecoveryCodesLeft(ctx context.Context, orgID, memberID string) (int, error)
}

// RevokedByAdministratorFactors is the reason recorded when an administrator
// stops trusting a member's browsers.
const RevokedByAdministratorFactors = "administrator"

// RemoveAuthenticator removes the member's authenticator app and forgets
// their trusted browsers, as when the member removes it. It reports whether
// there was one.
func (s *Service) RemoveAuthenticator(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (bool, error) {
	const op = "admin.RemoveAuthenticator"
	removed := false
	err := s.factorChange(ctx, op, actor, c, orgID, id, func(tx FactorTx, m *gatehouse.Member) ([]gatehouse.Change, error) {
		err := tx.DeleteAuthenticator(ctx, m.OrgID, m.ID)
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		removed = true
		if _, err := s.Steps.ForgetDevices(ctx, tx, m, actor, c, account.RevokedSecondFactor); err != nil {
			return nil, err
		}
		if err := s.audit(ctx, tx, event(gatehouse.EventMethodRemoved, m.OrgID, actor, m.ID, c,
			map[string]string{"method": "totp", "reason": RevokedByAdministratorFactors})); err != nil {
			return nil, err
		}
		return []gatehouse.Change{{What: gatehouse.ChangeApp, Old: "app"}}, nil
	})
	return removed, err
}

// InvalidateRecoveryCodes makes the member's unused recovery codes stop
// working. It returns how many there were.
func (s *Service) InvalidateRecoveryCodes(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (int, error) {
	const op = "admin.InvalidateRecoveryCodes"
	n := 0
	err := s.factorChange(ctx, op, actor, c, orgID, id, func(tx FactorTx, m *gatehouse.Member) ([]gatehouse.Change, error) {
		left, err := tx.RecoveryCodesLeft(ctx, m.OrgID, m.ID)
		if err != nil || left == 0 {
			return nil, gatehouse.Wrap(op, err)
		}
		if err := tx.ReplaceRecoveryCodes(ctx, m.OrgID, m.ID, nil, s.now()); err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		n = left
		if err := s.audit(ctx, tx, event(gatehouse.EventMethodRemoved, m.OrgID, actor, m.ID, c,
			map[string]string{"method": "recovery_codes", "count": strconv.Itoa(left), "reason": RevokedByAdministratorFactors})); err != nil {
			return nil, err
		}
		return []gatehouse.Change{{What: gatehouse.ChangeRecoveryCodes, Old: strconv.Itoa(left)}}, nil
	})
	return n, err
}

// ForgetBrowsers stops trusting every browser of the member: the next
// sign-in in each asks for the second factor. It returns how many there were.
func (s *Service) ForgetBrowsers(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (int, error) {
	const op = "admin.ForgetBrowsers"
	n := 0
	err := s.factorChange(ctx, op, actor, c, orgID, id, func(tx FactorTx, m *gatehouse.Member) ([]gatehouse.Change, error) {
		var err error
		if n, err = s.Steps.ForgetDevices(ctx, tx, m, actor, c, RevokedByAdministratorFactors); err != nil || n == 0 {
			return nil, err
		}
		return []gatehouse.Change{{What: gatehouse.ChangeTrustedBrowsers, Old: strconv.Itoa(n)}}, nil
	})
	return n, err
}

// RequireSecondFactorSetup asks the member to set up a second factor (an
// app, a passkey or a verified mobile number) at their next sign-in, right
// after the password (account's StageSetupSecondFactor); a member who still
// has one when they sign in goes on, and the sign-in clears the request. It
// reports whether the member was not asked already.
func (s *Service) RequireSecondFactorSetup(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (bool, error) {
	const op = "admin.RequireSecondFactorSetup"
	asked := false
	err := s.factorChange(ctx, op, actor, c, orgID, id, func(tx FactorTx, m *gatehouse.Member) ([]gatehouse.Change, error) {
		if m.MustSetUpSecondFactor {
			return nil, nil
		}
		yes := true
		if err := tx.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{MustSetUpSecondFactor: &yes, UpdatedAt: s.now()}); err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		m.MustSetUpSecondFactor, asked = true, true
		if err := s.audit(ctx, tx, event(gatehouse.EventMemberUpdated, m.OrgID, actor, m.ID, c,
			map[string]string{"must_set_up_second_factor": "yes"})); err != nil {
			return nil, err
		}
		return []gatehouse.Change{{What: gatehouse.ChangeSecondFactorSetup, New: "required"}}, nil
	})
	return asked, err
}

// factorChange runs change on the member with id, locked, in one transaction,
// after the checks every such change shares; change returns what the notice
// reports (nothing: nothing was done, no notice).
func (s *Service) factorChange(ctx context.Context, op string, actor gatehouse.Actor, c gatehouse.Client, orgID, id string,
	change func(tx FactorTx, m *gatehouse.Member) ([]gatehouse.Change, error)) error {
	if err := requireAdmin(op, actor, orgID); err != nil {
		return err
	}
	if s.Factors == nil {
		return gatehouse.Wrap(op, errors.New("admin: Factors is not wired"))
	}
	err := s.Factors.Tx(ctx, func(tx FactorTx) error {
		m, err := gatehouse.LockMemberFor(ctx, tx, op, orgID, id)
		if err != nil {
			return err
		}
		if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionSecondFactors, m); err != nil {
			return err
		}
		changes, err := change(tx, m)
		if err != nil {
			return err
		}
		return s.Steps.NotifyChanges(ctx, tx, m, actor, c, changes)
	})
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	s.kick()
	return nil
}
