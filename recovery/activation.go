package recovery

import (
	"context"
	"strconv"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// Activation: an account created without a password (by an administrator, the
// API or gatehouse user add) gets a link with which the member chooses their
// first password; an administrator may also send one to an active account.
// The link is issued by IssueActivation (below) and used here.

// errActivationRefused answers an activation link of an account that is
// disabled or has expired.
var errActivationRefused = &gatehouse.Error{Code: gatehouse.Forbidden, Op: "recovery.ActivationLink",
	Message: "This account is disabled or has expired, so it cannot be activated. Ask an administrator."}

// ActivationLink checks an activation link presented from c without using it.
// It works for a never-activated account and, when an administrator sent it,
// for an active one. Refusals count against the client address (guardLink).
func (s *Service) ActivationLink(ctx context.Context, orgID, raw string, c gatehouse.Client) (*LinkCheck, error) {
	if err := s.open(ctx, "recovery.ActivationLink", orgID); err != nil {
		return nil, err
	}
	var l *LinkCheck
	err := s.guardLink(ctx, orgID, c, gatehouse.PurposeActivation, func() error {
		var err error
		l, err = s.activationLink(ctx, orgID, raw)
		return err
	})
	return l, err
}

func (s *Service) activationLink(ctx context.Context, orgID, raw string) (*LinkCheck, error) {
	l, err := s.link(ctx, orgID, raw, gatehouse.PurposeActivation)
	if err != nil {
		return nil, err
	}
	if l.Settings, err = s.Settings(ctx, orgID); err != nil {
		return nil, err
	}
	if st := l.Member.EffectiveState(s.now()); st != gatehouse.StateNeverActivated && st != gatehouse.StateActive {
		return nil, errActivationRefused
	}
	return l, nil
}

// CompleteActivation sets the first password of an account (or a new one, when
// an administrator sent the link) and makes it active. Like CompleteReset, the
// link works once, every session ends and the member is emailed; the member then
// signs in on the sign-in page.
func (s *Service) CompleteActivation(ctx context.Context, req CompleteLinkRequest) (*CompleteResult, error) {
	if err := s.open(ctx, "recovery.CompleteActivation", req.OrgID); err != nil {
		return nil, err
	}
	var res *CompleteResult
	err := s.guardLink(ctx, req.OrgID, req.Client, gatehouse.PurposeActivation, func() error {
		var err error
		res, err = s.completeActivation(ctx, req)
		return err
	})
	return res, err
}

func (s *Service) completeActivation(ctx context.Context, req CompleteLinkRequest) (*CompleteResult, error) {
	l, err := s.activationLink(ctx, req.OrgID, req.Token)
	if err != nil {
		return nil, err
	}
	set, m := l.Settings, l.Member
	if err := s.Steps.CheckNew(ctx, &set, m, req.New, req.Confirm, req.Client); err != nil {
		return nil, err
	}
	now := s.now()
	err = s.Steps.SetPassword(ctx, &set, account.PasswordChange{
		Member: m, Password: req.New, Actor: gatehouse.MemberActor(m), Client: req.Client, Via: "activation",
		// The rule of ActivationLink, on the locked row: the account may have
		// been disabled or have expired since the page was shown.
		Allowed: func(fresh *gatehouse.Member) error {
			if st := fresh.EffectiveState(now); st != gatehouse.StateNeverActivated && st != gatehouse.StateActive {
				return errActivationRefused
			}
			return nil
		},
		Redeem: func(tx account.Tx) error { return useLink(ctx, tx, l.Token.Hash, now) },
		InTx: func(tx account.Tx, before, m *gatehouse.Member) error {
			return s.audit(ctx, tx, event(gatehouse.EventActivated, m.OrgID, gatehouse.MemberActor(m), m.ID, req.Client,
				map[string]string{"first": strconv.FormatBool(before.State == gatehouse.StateNeverActivated)}))
		},
	})
	if err != nil {
		return nil, err
	}
	return &CompleteResult{Member: m}, nil
}
