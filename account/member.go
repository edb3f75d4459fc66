package account

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// NewMember is the input for creating an account.
type NewMember struct {
	OrgID       string
	Username    string
	DisplayName string
	Email       string
	WorkEmail   string
	Mobile      string // E.164 (the edge parses what people type)
	Role        gatehouse.Role
	ExpiresAt   time.Time
	// Password, when set, makes the account active at once (the policy applies).
	// Without it the account is never-activated and gets an activation link.
	Password string
}

// validate checks the profile fields and returns every problem.
func (nm *NewMember) validate() []gatehouse.FieldError {
	nm.Username = strings.TrimSpace(nm.Username)
	nm.Email = strings.TrimSpace(nm.Email)
	nm.WorkEmail = strings.TrimSpace(nm.WorkEmail)
	nm.DisplayName = strings.TrimSpace(nm.DisplayName)
	if nm.Role == "" {
		nm.Role = gatehouse.RoleMember
	}
	var errs []gatehouse.FieldError
	for _, fe := range []*gatehouse.FieldError{
		gatehouse.ValidateUsername(nm.Username),
		gatehouse.ValidateDisplayName(nm.DisplayName),
		gatehouse.ValidateEmail("email", nm.Email, true),
		gatehouse.ValidateEmail("work_email", nm.WorkEmail, false),
		gatehouse.ValidateE164("mobile", nm.Mobile),
	} {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	if !nm.Role.Valid() {
		errs = append(errs, gatehouse.FieldError{Field: "role", Code: "invalid", Message: "The role must be member, administrator or owner."})
	}
	return errs
}

// CreateMember creates an account. With a password it is active; without one it
// is never-activated, and an activation email with a link is queued; the link is
// also returned so that the command line can print it.
func (s *Service) CreateMember(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, nm NewMember) (*gatehouse.Member, string, error) {
	const op = "account.CreateMember"
	if err := gatehouse.RequireOrg(op, nm.OrgID); err != nil {
		return nil, "", err
	}
	if err := gatehouse.CheckOrg(op, actor, nm.OrgID); err != nil {
		return nil, "", err
	}
	if !actor.Role.IsAdmin() {
		return nil, "", gatehouse.Errorf(gatehouse.Forbidden, op, "Only administrators create members.")
	}
	errs := nm.validate()
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
	err = s.Store.Tx(ctx, func(tx gatehouse.Store) error {
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
			link, err = s.issueActivation(ctx, tx, &set, m, actor, c)
			return err
		}
		// An owner with a password: the setup links, which exist to create
		// the first owner, have nothing left to do (see revokeLinks).
		return s.revokeLinks(ctx, tx, m)
	})
	if err != nil {
		return nil, "", err
	}
	s.kick()
	return m, link, nil
}

// issueActivation creates an activation token for m (superseding earlier ones),
// queues the activation email and returns the link.
func (s *Service) issueActivation(ctx context.Context, tx gatehouse.Store, set *gatehouse.Settings, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client) (string, error) {
	const op = "account.issueActivation"
	now := s.now()
	if _, err := tx.RevokeTokens(ctx, m.OrgID, m.ID, gatehouse.PurposeActivation, now); err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	t := &gatehouse.Token{Hash: hash, OrgID: m.OrgID, MemberID: m.ID, Purpose: gatehouse.PurposeActivation,
		CreatedAt: now, ExpiresAt: now.Add(set.ActivationLinkTTL), SentTo: m.ContactEmail()}
	if err := tx.CreateToken(ctx, t); err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	link := s.LinkIn(ctx, m.OrgID, "/activate", url.Values{"token": {raw}})
	if err := s.queueEmail(ctx, tx, set, m, gatehouse.KindActivation, gatehouse.MessageData{
		Link: link, ValidFor: set.ActivationLinkTTL, At: now, IP: c.IP,
	}); err != nil {
		return "", err
	}
	if err := s.audit(ctx, tx, event(gatehouse.EventActivationSent, m.OrgID, actor, m.ID, c,
		map[string]string{"valid_for": gatehouse.FormatDuration(set.ActivationLinkTTL)})); err != nil {
		return "", err
	}
	return link, nil
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
