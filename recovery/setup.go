package recovery

import (
	"context"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// SetupLinkTTL is how long the link that creates the first owner works.
const SetupLinkTTL = time.Hour

// SetupLink returns a fresh one-time link that creates the first owner of the
// organization, superseding earlier ones, or "" when the organization already has
// an owner.
func (s *Service) SetupLink(ctx context.Context, orgID string) (string, error) {
	const op = "recovery.SetupLink"
	n, err := s.Store.CountMembers(ctx, orgID, gatehouse.RoleOwner, "")
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	if n > 0 {
		return "", nil
	}
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	now := s.now()
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		if _, err := tx.RevokeTokens(ctx, orgID, "", gatehouse.PurposeSetup, now); err != nil {
			return gatehouse.Wrap(op, err)
		}
		return tx.CreateToken(ctx, &gatehouse.Token{Hash: hash, OrgID: orgID, Purpose: gatehouse.PurposeSetup,
			CreatedAt: now, ExpiresAt: now.Add(SetupLinkTTL)})
	})
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	return s.Steps.LinkIn(ctx, orgID, "/setup", url.Values{"token": {raw}}), nil
}

// ErrLinkInvalid is the answer for a one-time link that is unknown, used,
// superseded or expired: all look the same to the visitor.
var ErrLinkInvalid = &gatehouse.Error{Code: gatehouse.NotFound, Op: "recovery.token",
	Message: "This link has expired or has already been used."}

// CheckToken tells whether a one-time link of the purpose, presented to the
// organization orgID from c, can still be used, without using it. Refusals
// count against the client address (guardLink).
func (s *Service) CheckToken(ctx context.Context, orgID, raw string, purpose gatehouse.TokenPurpose, c gatehouse.Client) (*gatehouse.Token, error) {
	if err := s.open(ctx, "recovery.CheckToken", orgID); err != nil {
		return nil, err
	}
	var t *gatehouse.Token
	err := s.guardLink(ctx, orgID, c, purpose, func() error {
		var err error
		if t, err = s.checkToken(ctx, raw, purpose); err == nil && t.OrgID != orgID {
			t, err = nil, ErrLinkInvalid
		}
		return err
	})
	return t, err
}

// checkToken is CheckToken without the organization and the throttle.
func (s *Service) checkToken(ctx context.Context, raw string, purpose gatehouse.TokenPurpose) (*gatehouse.Token, error) {
	if !secret.ValidToken(raw) {
		return nil, ErrLinkInvalid
	}
	t, err := s.Store.Token(ctx, secret.HashToken(raw))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, gatehouse.Wrap("recovery.CheckToken", err)
	}
	if t.Purpose != purpose || !t.Usable(s.now()) {
		return nil, ErrLinkInvalid
	}
	return t, nil
}

// CompleteSetup creates the first owner of the organization nm.OrgID, which
// must be set, with the setup link's token.
func (s *Service) CompleteSetup(ctx context.Context, raw string, c gatehouse.Client, nm gatehouse.NewMember) (*gatehouse.Member, error) {
	if err := s.open(ctx, "recovery.CompleteSetup", nm.OrgID); err != nil {
		return nil, err
	}
	var m *gatehouse.Member
	err := s.guardLink(ctx, nm.OrgID, c, gatehouse.PurposeSetup, func() error {
		var err error
		m, err = s.completeSetup(ctx, raw, c, nm)
		return err
	})
	return m, err
}

func (s *Service) completeSetup(ctx context.Context, raw string, c gatehouse.Client, nm gatehouse.NewMember) (*gatehouse.Member, error) {
	const op = "recovery.CompleteSetup"
	t, err := s.checkToken(ctx, raw, gatehouse.PurposeSetup)
	if err != nil {
		return nil, err
	}
	if t.OrgID != nm.OrgID {
		return nil, ErrLinkInvalid
	}
	nm.OrgID, nm.Role = t.OrgID, gatehouse.RoleOwner
	errs := nm.Validate()
	if nm.Password == "" {
		errs = append(errs, gatehouse.FieldError{Field: "password", Code: "required", Message: "Choose a password."})
	}
	set, err := s.Settings(ctx, t.OrgID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &gatehouse.Member{
		ID: gatehouse.NewID(s.rand()), OrgID: t.OrgID, Username: nm.Username, DisplayName: nm.DisplayName,
		Email: nm.Email, WorkEmail: nm.WorkEmail, Role: gatehouse.RoleOwner, State: gatehouse.StateActive,
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	// Every problem at once: a username taken and a password the policy
	// refuses are told with the others, in the order of the form.
	if !hasField(errs, "username") {
		ms, err := s.Store.MembersByIdentifier(ctx, t.OrgID, nm.Username, 3)
		if err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		for _, o := range ms {
			if gatehouse.NormalizeIdentifier(o.Username) == gatehouse.NormalizeIdentifier(nm.Username) {
				errs = append(errs, gatehouse.UsernameTaken)
				break
			}
		}
	}
	if nm.Password != "" {
		errs = append(errs, set.Policy().Check("password", secret.NormalizePassword(nm.Password), gatehouse.ContextWords(m, set.OrganizationName), s.Blocklist)...)
	}
	gatehouse.OrderMemberFields(errs)
	if len(errs) > 0 {
		e := gatehouse.InvalidFields(op, errs...)
		if pw := fieldErrors(errs, "password"); len(pw) > 0 {
			e.Message = gatehouse.PasswordMessage(pw)
		}
		return nil, e
	}
	if m.PasswordHash, err = s.Hasher.Hash(ctx, nm.Password); err != nil {
		return nil, err
	}
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		if _, err := tx.UseToken(ctx, t.Hash, now); err != nil {
			return ErrLinkInvalid
		}
		n, err := tx.CountMembers(ctx, t.OrgID, gatehouse.RoleOwner, "")
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		if n > 0 {
			return ErrLinkInvalid
		}
		if err := tx.CreateMember(ctx, m); err != nil {
			if gatehouse.IsCode(err, gatehouse.Conflict) {
				return gatehouse.InvalidFields(op, gatehouse.UsernameTaken)
			}
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, tx, event(gatehouse.EventSetupCompleted, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"username": m.Username}))
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func hasField(errs []gatehouse.FieldError, field string) bool {
	return len(fieldErrors(errs, field)) > 0
}

func fieldErrors(errs []gatehouse.FieldError, field string) []gatehouse.FieldError {
	var out []gatehouse.FieldError
	for _, e := range errs {
		if e.Field == field {
			out = append(out, e)
		}
	}
	return out
}
