package account

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// StageAfterReset exposes stageAfterReset to the tests, which act out the
// sign-in that a completed reset starts (reset_signs_in) while the recovery
// routes live on another branch.
func (s *Service) StageAfterReset(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings, now time.Time) (gatehouse.Stage, error) {
	return s.stageAfterReset(ctx, m, set, now)
}

// StartResetSession starts a session the way the recovery flow does after a
// reset (SignInAfterReset), in a transaction of its own.
func (s *Service) StartResetSession(ctx context.Context, m *gatehouse.Member, c gatehouse.Client) (string, *gatehouse.Session, error) {
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return "", nil, err
	}
	var token string
	var sess *gatehouse.Session
	err = s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		token, sess, err = s.SignInAfterReset(ctx, tx, m, &set, c)
		return err
	})
	return token, sess, err
}
