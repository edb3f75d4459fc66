package twofactor

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// Recovery codes: ten single-use codes of 80 random bits, made when an
// Authenticator app is set up and on request, shown once and stored only as
// SHA-256 hashes. Each one proves the second factor once, in place of any other.

// RecoveryCodeCount is how many recovery codes a member gets at a time.
const RecoveryCodeCount = 10

// RegenerateRecoveryCodes checks the member's password and replaces their
// recovery codes with ten new ones, returned to be shown once.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, m *gatehouse.Member, password string, c gatehouse.Client) ([]string, error) {
	const op = "twofactor.RegenerateRecoveryCodes"
	set, err := s.Steps.Settings(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	if err := s.Steps.CheckCurrentPassword(ctx, &set, op, m, password, c); err != nil {
		return nil, err
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		if err := tx.ReplaceRecoveryCodes(ctx, m.OrgID, m.ID, hashes, s.now()); err != nil {
			return gatehouse.Wrap(op, err)
		}
		if err := s.audit(ctx, tx, event(gatehouse.EventMethodEnrolled, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"method": "recovery_codes", "count": itoa(len(codes))})); err != nil {
			return err
		}
		return s.Steps.NotifyChanges(ctx, tx, m, gatehouse.MemberActor(m), c, []gatehouse.Change{{What: gatehouse.ChangeRecoveryCodes, New: itoa(len(codes))}})
	})
	if err != nil {
		return nil, err
	}
	s.Outbox.Wake()
	return codes, nil
}

func (s *Service) newRecoveryCodes() (codes, hashes []string, err error) {
	for range RecoveryCodeCount {
		c, err := secret.NewRecoveryCode(s.rand())
		if err != nil {
			return nil, nil, gatehouse.Wrap("twofactor.newRecoveryCodes", err)
		}
		n, _ := secret.NormalizeRecoveryCode(c)
		codes, hashes = append(codes, c), append(hashes, secret.HashToken(n))
	}
	return codes, hashes, nil
}

// CheckRecovery uses up one of the member's recovery codes and returns how
// many are left.
func (s *Service) CheckRecovery(ctx context.Context, m *gatehouse.Member, typed string, c gatehouse.Client) (int, error) {
	const op = "twofactor.CheckRecovery"
	n, ok := secret.NormalizeRecoveryCode(typed)
	if !ok {
		return 0, gatehouse.InvalidFields(op, codeField("format", "Enter one of your recovery codes, like abcd-efgh-ijkm-nopq."))
	}
	err := s.Store.UseRecoveryCode(ctx, m.OrgID, m.ID, secret.HashToken(n), s.now())
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		if err := s.Failed(ctx, m, c, MethodRecovery, "wrong_recovery_code"); err != nil {
			return 0, err
		}
		return 0, gatehouse.InvalidFields(op, codeField("wrong", "That recovery code is not right, or it has already been used."))
	}
	if err != nil {
		return 0, gatehouse.Wrap(op, err)
	}
	left, err := s.Store.RecoveryCodesLeft(ctx, m.OrgID, m.ID)
	if err != nil {
		return 0, gatehouse.Wrap(op, err)
	}
	if err := s.audit(ctx, s.Store, event(gatehouse.EventRecoveryCodeUsed, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
		map[string]string{"left": itoa(left)})); err != nil {
		return 0, err
	}
	return left, nil
}
