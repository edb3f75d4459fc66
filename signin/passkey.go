package signin

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/twofactor"
)

// PasskeyChecker proves passkeys at sign-in; package passkey implements it.
// Service.Passkeys nil: nobody has passkeys.
type PasskeyChecker interface {
	// Count returns how many passkeys m has.
	Count(ctx context.Context, m *gatehouse.Member) (int, error)
	// CheckSecondFactor checks an assertion that answers the challenge sess
	// asked for m. A refused one is audited and Unauthorized.
	CheckSecondFactor(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member, response []byte, c gatehouse.Client) error
	// CheckSignIn checks an assertion that answers the challenge the browser
	// (by its passkey cookie) asked for, and returns the member whose passkey
	// it is.
	CheckSignIn(ctx context.Context, orgID, browser string, response []byte, c gatehouse.Client) (*gatehouse.Member, error)
}

// passkeyCount returns how many passkeys m has, 0 without passkeys.
func (s *Service) passkeyCount(ctx context.Context, m *gatehouse.Member) (int, error) {
	if s.Passkeys == nil {
		return 0, nil
	}
	return s.Passkeys.Count(ctx, m)
}

// PasskeySignInRequest is a sign-in with a passkey alone.
type PasskeySignInRequest struct {
	OrgID    string
	Browser  string // the browser's passkey cookie, to which the challenge is bound
	Response []byte // the browser's assertion, JSON
	Client   gatehouse.Client
}

// SignInWithPasskey signs in with a passkey alone: the passkey proves both
// factors (it verified the user), so the password and the second step are
// skipped. A password that must be renewed is still renewed.
func (s *Service) SignInWithPasskey(ctx context.Context, req PasskeySignInRequest) (*SignInResult, error) {
	const op = "signin.SignInWithPasskey"
	if s.Passkeys == nil {
		return nil, gatehouse.Errorf(gatehouse.Forbidden, op, "Passkeys are not available.")
	}
	if err := s.orgOpen(ctx, op, req.OrgID); err != nil {
		return nil, err
	}
	set, err := s.Settings(ctx, req.OrgID)
	if err != nil {
		return nil, err
	}
	m, err := s.Passkeys.CheckSignIn(ctx, req.OrgID, req.Browser, req.Response, req.Client)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if st := m.EffectiveState(now); st != gatehouse.StateActive {
		_ = s.audit(ctx, s.Store, event(gatehouse.EventSignInFailed, m.OrgID, gatehouse.MemberActor(m), m.ID, req.Client,
			map[string]string{"reason": "account_" + string(st), "method": twofactor.MethodPasskey}))
		return nil, ErrWrongCredentials
	}
	// An administrator under the rule of adminfactor.go whose organization
	// does not count passkeys proves a factor that counts after it.
	var stage gatehouse.Stage
	if methodCounts(&set, m, twofactor.MethodPasskey, "") {
		stage, err = s.stageAfterProof(ctx, m, &set, now)
	} else {
		stage, err = s.pendingStage(ctx, m, &set)
	}
	if err != nil {
		return nil, err
	}
	return s.begin(ctx, &set, m, stage, req.Client, map[string]string{"method": twofactor.MethodPasskey}, nil)
}
