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
// reset: at the stage stageAfterReset decides, marked AfterReset.
func (s *Service) StartResetSession(ctx context.Context, m *gatehouse.Member, c gatehouse.Client) (string, *gatehouse.Session, error) {
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return "", nil, err
	}
	stage, err := s.stageAfterReset(ctx, m, &set, s.now())
	if err != nil {
		return "", nil, err
	}
	token, sess, err := s.startSession(ctx, s.Store, m, &set, stage, c)
	if err != nil {
		return "", nil, err
	}
	sess.AfterReset = true
	return token, sess, s.Store.UpdateSession(ctx, sess)
}
