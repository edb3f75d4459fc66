package signin

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
)

// StartResetSession starts a session the way the recovery flow does after a
// reset (SignInAfterReset), in a transaction of its own.
func (s *Service) StartResetSession(ctx context.Context, m *gatehouse.Member, c gatehouse.Client) (string, *gatehouse.Session, error) {
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return "", nil, err
	}
	stage, err := s.StageAfterReset(ctx, m, &set)
	if err != nil {
		return "", nil, err
	}
	var token string
	var sess *gatehouse.Session
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		token, sess, err = s.SignInAfterReset(ctx, tx, m, &set, stage, c)
		return err
	})
	return token, sess, err
}
