package recovery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// Completing a reset: the page behind the link in the reset email (S5-S7, S20,
// S21), and what reset and activation links share.

// LinkCheck is a one-time link that still works, with what its page needs.
type LinkCheck struct {
	Token    *gatehouse.Token
	Member   *gatehouse.Member
	Settings gatehouse.Settings
}

// ResetLink checks a reset link presented from c without using it: the token,
// its member, and that the member may still reset their password (the account
// may have been disabled, or made an administrator, since the link was sent).
// Refusals count against the client address (guardLink).
func (s *Service) ResetLink(ctx context.Context, orgID, raw string, c gatehouse.Client) (*LinkCheck, error) {
	if err := s.open(ctx, "recovery.ResetLink", orgID); err != nil {
		return nil, err
	}
	var l *LinkCheck
	err := s.guardLink(ctx, orgID, c, gatehouse.PurposeReset, func() error {
		var err error
		l, err = s.resetLink(ctx, orgID, raw)
		return err
	})
	return l, err
}

func (s *Service) resetLink(ctx context.Context, orgID, raw string) (*LinkCheck, error) {
	set, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if !set.ForgotPasswordEnabled {
		return nil, ErrRecoveryDisabled
	}
	l, err := s.link(ctx, orgID, raw, gatehouse.PurposeReset)
	if err != nil {
		return nil, err
	}
	l.Settings = set
	if m, _ := resetEligible([]*gatehouse.Member{l.Member}, &set, s.now()); m == nil {
		return nil, ErrLinkInvalid
	}
	return l, nil
}

// link returns the token and member of a usable one-time link of the purpose.
func (s *Service) link(ctx context.Context, orgID, raw string, purpose gatehouse.TokenPurpose) (*LinkCheck, error) {
	t, err := s.checkToken(ctx, raw, purpose)
	if err != nil {
		return nil, err
	}
	if t.OrgID != orgID || t.MemberID == "" {
		return nil, ErrLinkInvalid
	}
	m, err := s.Store.Member(ctx, t.OrgID, t.MemberID)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, gatehouse.Wrap("recovery.link", err)
	}
	return &LinkCheck{Token: t, Member: m}, nil
}

// CompleteLinkRequest is the form of a reset or activation link.
type CompleteLinkRequest struct {
	OrgID   string
	Token   string // the secret from the link
	Email   string // the account's email address, when reset_confirm_email asks for it (S20)
	New     string
	Confirm string
	Client  gatehouse.Client
}

// CompleteResult says what a completed reset or activation left behind.
type CompleteResult struct {
	Member *gatehouse.Member
	// SessionToken and Session are set when reset_signs_in signed the member in
	// (S7); the session's Stage says whether a step remains (the second factor).
	SessionToken string
	Session      *gatehouse.Session
}

// CompleteReset sets a new password with a reset link. The link is used in the
// same transaction as the change, so of concurrent submissions exactly one
// succeeds; the others get ErrLinkInvalid. The password policy and history
// apply; every session of the member ends, every outstanding link dies, the
// member is emailed and the audit log records it. The old password works until
// this commits (S21).
func (s *Service) CompleteReset(ctx context.Context, req CompleteLinkRequest) (*CompleteResult, error) {
	if err := s.open(ctx, "recovery.CompleteReset", req.OrgID); err != nil {
		return nil, err
	}
	var res *CompleteResult
	err := s.guardLink(ctx, req.OrgID, req.Client, gatehouse.PurposeReset, func() error {
		var err error
		res, err = s.completeReset(ctx, req)
		return err
	})
	return res, err
}

func (s *Service) completeReset(ctx context.Context, req CompleteLinkRequest) (*CompleteResult, error) {
	l, err := s.resetLink(ctx, req.OrgID, req.Token)
	if err != nil {
		return nil, err
	}
	set, m := l.Settings, l.Member
	if set.ResetConfirmEmail {
		if err := s.confirmEmail(ctx, &set, l, req.Email, req.Client); err != nil {
			return nil, err
		}
	}
	if err := s.Steps.CheckNew(ctx, &set, m, req.New, req.Confirm, req.Client); err != nil {
		return nil, err
	}
	res := &CompleteResult{Member: m}
	stage := gatehouse.StageActive
	if set.ResetSignsIn {
		if stage, err = s.SignIns.StageAfterReset(ctx, m, &set); err != nil {
			return nil, err
		}
	}
	now := s.now()
	err = s.Steps.SetPassword(ctx, &set, account.PasswordChange{
		Member: m, Password: req.New, Actor: gatehouse.MemberActor(m), Client: req.Client, Via: "reset",
		// The account may have been disabled, or made an administrator, since
		// the page was shown: the rules of ResetLink hold on the locked row.
		Allowed: func(fresh *gatehouse.Member) error {
			if ok, _ := resetEligible([]*gatehouse.Member{fresh}, &set, now); ok == nil {
				return ErrLinkInvalid
			}
			return nil
		},
		Redeem: func(tx account.Tx) error { return useLink(ctx, tx, l.Token.Hash, now) },
		InTx: func(tx account.Tx, _, m *gatehouse.Member) error {
			details := map[string]string{"signed_in": strconv.FormatBool(set.ResetSignsIn)}
			if set.ResetSignsIn {
				raw, sess, err := s.SignIns.SignInAfterReset(ctx, tx, m, &set, stage, req.Client)
				if err != nil {
					return err
				}
				res.SessionToken, res.Session = raw, sess
				details["stage"] = string(sess.Stage)
			}
			return s.audit(ctx, tx, event(gatehouse.EventResetCompleted, m.OrgID, gatehouse.MemberActor(m), m.ID, req.Client, details))
		},
	})
	if err != nil {
		return nil, err
	}
	if res.Session != nil && res.Session.Stage == gatehouse.StageSecondFactor {
		// As after a password at sign-in: the code goes out at once, by the same
		// rules (cooldown, hourly cap, SMS or else email), so that the page the
		// member lands on has a code to ask for.
		s.SignIns.StartSecondFactor(ctx, &set, res.Session, m, req.Client)
	}
	return res, nil
}

// useLink redeems a link's token inside the change's transaction. A link
// that was emailed proves, used, that its address reaches the member.
func useLink(ctx context.Context, tx linkUser, hash string, now time.Time) error {
	t, err := tx.UseToken(ctx, hash, now)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return ErrLinkInvalid
	} else if err != nil || t.SentTo == "" || t.MemberID == "" {
		return gatehouse.Wrap("recovery.useLink", err)
	}
	return gatehouse.Wrap("recovery.useLink", tx.ChangeMember(ctx, t.OrgID, t.MemberID, gatehouse.MemberChange{VerifiedEmail: &t.SentTo, UpdatedAt: now}))
}

// linkUser redeems a link and records the address it proved.
type linkUser interface {
	UseToken(ctx context.Context, hash string, now time.Time) (*gatehouse.Token, error)
	ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error
}

// confirmEmail checks the email address typed on the reset page against the
// account's personal and work addresses, case-insensitively (S20). Wrong
// addresses are counted per link; after a few the link dies.
func (s *Service) confirmEmail(ctx context.Context, set *gatehouse.Settings, l *LinkCheck, email string, c gatehouse.Client) error {
	const op = "recovery.confirmEmail"
	m := l.Member
	email = gatehouse.NormalizeIdentifier(email)
	if email == "" {
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "email", Code: "required", Message: "Enter the email address of your account."})
	}
	for _, e := range m.Emails() {
		if gatehouse.NormalizeIdentifier(e) == email {
			return nil
		}
	}
	now := s.now()
	sum := sha256.Sum256([]byte(l.Token.Hash))
	n, err := s.Counters.Incr(ctx, "reset:confirm:"+hex.EncodeToString(sum[:12]), now, set.ResetLinkTTL, false)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	_ = s.audit(ctx, s.Store, event(gatehouse.EventPasswordRefused, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
		map[string]string{"reason": "wrong_email", "via": "reset"}))
	if n.Count >= maxConfirmEmailFailures {
		if _, err := s.Store.UseToken(ctx, l.Token.Hash, now); err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
			return gatehouse.Wrap(op, err)
		}
		return ErrLinkInvalid
	}
	return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "email", Code: "mismatch",
		Message: "This is not the email address of the account. Enter your personal or work email address."})
}
