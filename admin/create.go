package admin

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// CreateMember creates an account. With a password it is active; without one it
// is never-activated, and an activation email with a link is queued; the link is
// also returned so that the command line can print it.
func (s *Service) CreateMember(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, nm gatehouse.NewMember) (*gatehouse.Member, string, error) {
	const op = "admin.CreateMember"
	if err := gatehouse.RequireOrg(op, nm.OrgID); err != nil {
		return nil, "", err
	}
	if err := gatehouse.CheckOrg(op, actor, nm.OrgID); err != nil {
		return nil, "", err
	}
	if !actor.Role.IsAdmin() {
		return nil, "", gatehouse.Errorf(gatehouse.Forbidden, op, "Only administrators create members.")
	}
	errs := nm.Validate()
	if nm.Role == gatehouse.RoleOwner && actor.Role != gatehouse.RoleOwner {
		return nil, "", gatehouse.Errorf(gatehouse.Forbidden, op, "Only an owner can create an owner.")
	}
	set, err := s.Settings(ctx, nm.OrgID)
	if err != nil {
		return nil, "", err
	}
	now := s.now()
	m := &gatehouse.Member{
		ID: gatehouse.NewID(s.rand()), OrgID: nm.OrgID, Username: nm.Username, DisplayName: nm.DisplayName,
		Email: nm.Email, WorkEmail: nm.WorkEmail, Mobile: nm.Mobile, Role: nm.Role, State: gatehouse.StateNeverActivated,
		ExpiresAt: nm.ExpiresAt, CreatedAt: now, UpdatedAt: now,
	}
	if nm.Password != "" && len(errs) == 0 {
		errs = append(errs, set.Policy().Check("password", secret.NormalizePassword(nm.Password), gatehouse.ContextWords(m, set.OrganizationName), s.Blocklist)...)
	}
	if len(errs) > 0 {
		e := gatehouse.InvalidFields(op, errs...)
		if nm.Password != "" && hasField(errs, "password") {
			e.Message = gatehouse.PasswordMessage(fieldErrors(errs, "password"))
		}
		return nil, "", e
	}
	if nm.Password != "" {
		if m.PasswordHash, err = s.Hasher.Hash(ctx, nm.Password); err != nil {
			return nil, "", err
		}
		m.State, m.PasswordChangedAt = gatehouse.StateActive, now
	}
	var link string
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		if err := tx.CreateMember(ctx, m); err != nil {
			if gatehouse.IsCode(err, gatehouse.Conflict) {
				return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "username", Code: "taken", Message: "That username is already taken."})
			}
			return gatehouse.Wrap(op, err)
		}
		if err := s.audit(ctx, tx, event(gatehouse.EventMemberCreated, m.OrgID, actor, m.ID, c,
			map[string]string{"username": m.Username, "role": string(m.Role), "state": string(m.State)})); err != nil {
			return err
		}
		if m.State == gatehouse.StateNeverActivated {
			link, err = s.Steps.IssueActivation(ctx, tx, &set, m, actor, c)
			return err
		}
		// An owner with a password: the setup links, which exist to create
		// the first owner, have nothing left to do (see RevokeLinks).
		return s.Steps.RevokeLinks(ctx, tx, m)
	})
	if err != nil {
		return nil, "", err
	}
	s.kick()
	return m, link, nil
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
