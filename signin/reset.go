package signin

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/session"
)

// StageAfterReset decides, before the reset's transaction, what the session
// a completed reset signs the member in with will still need (see
// stageAfterReset). It reads the member's second factors outside the
// transaction: inside it, on another connection, the read could wait for a
// connection that requests queued on the member's row all hold.
func (s *Service) StageAfterReset(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings) (gatehouse.Stage, error) {
	return s.stageAfterReset(ctx, m, set, s.now())
}

// ResetTx is what the session a reset signs in with is written through: the
// reset's transaction (an account.Tx).
type ResetTx interface {
	session.Creator
	session.Recorder
	UpdateSession(ctx context.Context, s *gatehouse.Session) error
}

// SignInAfterReset starts the session a completed password reset signs the
// member in with (setting reset_signs_in), through tx, the reset's
// transaction: at stage (StageAfterReset), marked AfterReset, and recorded as
// a sign-in unless the second factor is still to come.
func (s *Service) SignInAfterReset(ctx context.Context, tx ResetTx, m *gatehouse.Member, set *gatehouse.Settings, stage gatehouse.Stage, c gatehouse.Client) (string, *gatehouse.Session, error) {
	const op = "signin.SignInAfterReset"
	raw, sess, err := session.Start(ctx, tx, m, set, stage, c, s.now(), s.rand())
	if err != nil {
		return "", nil, err
	}
	sess.AfterReset = true
	if err := tx.UpdateSession(ctx, sess); err != nil {
		return "", nil, gatehouse.Wrap(op, err)
	}
	if err := session.RecordSignIn(ctx, tx, m, stage, sess.CreatedAt); err != nil {
		return "", nil, err
	}
	return raw, sess, nil
}
