package twofactor

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/account"

	"github.com/gatehouse-auth/gatehouse"
)

// Mobile numbers (S14). A member changes their own number after entering
// their current password, and the new number is saved only once a code sent to
// it by SMS comes back. Numbers arrive here already parsed into E.164 by the
// edge (phone.ParseNumber); the domain checks the shape again. Any change of
// number is a change of second factor: trusted browsers are forgotten.

// FieldMobile is the form field of a mobile number.
const FieldMobile = "mobile"

// Mobile is a member's mobile number: changed by the member with a code sent
// to the new number, or set by an administrator; removed by the member.
type Mobile struct{ s *Service }

// Mobile returns the use cases of the mobile number, on the second factors'
// dependencies: the codes that confirm a number are second-factor codes.
func (s *Service) Mobile() *Mobile { return &Mobile{s: s} }

// MobileChangeRequest is a member asking to change their mobile number.
type MobileChangeRequest struct {
	Session  *gatehouse.Session
	Member   *gatehouse.Member
	Password string // the current password
	Mobile   string // the new number in E.164
	Client   gatehouse.Client
}

// StartMobileChange checks the password and the number and sends a
// confirmation code to the new number. The number is not saved yet. The
// member's own number, while it is unverified (set by an administrator), may
// be confirmed in the same way.
func (mb *Mobile) StartMobileChange(ctx context.Context, req MobileChangeRequest) error {
	s := mb.s
	const op = "twofactor.StartMobileChange"
	m := req.Member
	set, err := s.Steps.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	var errs []gatehouse.FieldError
	if req.Mobile == "" {
		errs = append(errs, gatehouse.FieldError{Field: FieldMobile, Code: "required", Message: "Enter your new mobile number."})
	} else if fe := gatehouse.ValidateE164(FieldMobile, req.Mobile); fe != nil {
		errs = append(errs, *fe)
	} else if req.Mobile == m.Mobile && m.MobileVerified() {
		errs = append(errs, gatehouse.FieldError{Field: FieldMobile, Code: "unchanged", Message: "That is already your mobile number."})
	}
	if req.Password == "" {
		errs = append(errs, gatehouse.FieldError{Field: account.FieldCurrentPassword, Code: "required", Message: "Enter your current password."})
	}
	if len(errs) > 0 {
		return gatehouse.InvalidFields(op, errs...)
	}
	if err := s.Steps.CheckCurrentPassword(ctx, &set, op, m, req.Password, req.Client); err != nil {
		return err
	}
	_, err = s.SendCode(ctx, &set, req.Session, m, gatehouse.CodeMobile, gatehouse.ChannelSMS, req.Mobile, req.Client)
	return err
}

// ResendMobileCode sends a new confirmation code to the number being confirmed.
func (mb *Mobile) ResendMobileCode(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member, c gatehouse.Client) error {
	s := mb.s
	const op = "twofactor.ResendMobileCode"
	sc, err := s.Store.SessionCode(ctx, sess.OrgID, sess.ID, gatehouse.CodeMobile)
	if gatehouse.IsCode(err, gatehouse.NotFound) || (err == nil && !sc.UsedAt.IsZero()) {
		return gatehouse.Errorf(gatehouse.Conflict, op, "No mobile number is waiting to be confirmed. Start again.")
	}
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	set, err := s.Steps.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	_, err = s.SendCode(ctx, &set, sess, m, gatehouse.CodeMobile, gatehouse.ChannelSMS, sc.To, c)
	return err
}

// PendingMobile describes the number waiting for its confirmation code, or is
// nil when there is none.
func (mb *Mobile) PendingMobile(ctx context.Context, sess *gatehouse.Session) (*CodeStatus, error) {
	s := mb.s
	st, err := s.SentCode(ctx, sess, gatehouse.CodeMobile)
	if err != nil || st == nil || st.Used {
		return nil, err
	}
	return st, nil
}

// ConfirmMobileChange checks the code sent to the new number and saves it.
func (mb *Mobile) ConfirmMobileChange(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member, typed string, c gatehouse.Client) error {
	s := mb.s
	set, err := s.Steps.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	if err := s.Wait(ctx, &set, m, c); err != nil {
		return err
	}
	sc, err := s.CheckCode(ctx, &set, sess, m, gatehouse.CodeMobile, typed, c)
	if err != nil {
		return err
	}
	return mb.saveMobile(ctx, m, sc.To, gatehouse.MemberActor(m), c, "member", nil)
}

// RemoveMobile checks the password and removes the member's mobile number. It
// is refused when the organization requires a second factor and the member
// would be left without a way to receive one.
func (mb *Mobile) RemoveMobile(ctx context.Context, m *gatehouse.Member, password string, c gatehouse.Client) error {
	s := mb.s
	const op = "twofactor.RemoveMobile"
	set, err := s.Steps.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	if m.Mobile == "" {
		return gatehouse.Errorf(gatehouse.Conflict, op, "You have no mobile number.")
	}
	if err := s.Steps.CheckCurrentPassword(ctx, &set, op, m, password, c); err != nil {
		return err
	}
	a, err := s.Authenticator(ctx, m)
	if err != nil {
		return err
	}
	if set.TwoFactor == gatehouse.TwoFactorRequired && !a.Confirmed() && !(set.TwoFactorEmail && m.ContactEmail() != "") {
		return gatehouse.Errorf(gatehouse.Conflict, op, "Your organization requires a second factor and sends codes by text only: you cannot remove your number. Change it instead.")
	}
	return mb.saveMobile(ctx, m, "", gatehouse.MemberActor(m), c, "member", nil)
}

// SetMobile sets a member's mobile number on behalf of an administrator (or the
// system), without a confirmation code (S14: administrators set it on the
// member's record). e164 is "" to remove the number. Only administrators may,
// and only owners for an owner; the role is checked again on the row as locked
// when the number is written.
func (mb *Mobile) SetMobile(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, m *gatehouse.Member, e164 string) error {
	const op = "twofactor.SetMobile"
	if !actor.ActsIn(m.OrgID) {
		return gatehouse.ErrNoMember(op)
	}
	if actor.Kind != gatehouse.ActorSystem && !actor.Role.IsAdmin() {
		return gatehouse.Errorf(gatehouse.Forbidden, op, "Only administrators set members' mobile numbers.")
	}
	ownerRule := func(m *gatehouse.Member) error {
		if m.Role == gatehouse.RoleOwner && actor.Role != gatehouse.RoleOwner {
			return gatehouse.Errorf(gatehouse.Forbidden, op, "Only an owner can change an owner's mobile number.")
		}
		return nil
	}
	if err := ownerRule(m); err != nil {
		return err
	}
	if fe := gatehouse.ValidateE164(FieldMobile, e164); fe != nil {
		return gatehouse.InvalidFields(op, *fe)
	}
	if e164 == m.Mobile {
		return nil
	}
	via := "admin"
	if actor.Kind == gatehouse.ActorAPIKey {
		via = "api"
	}
	return mb.saveMobile(ctx, m, e164, actor, c, via, ownerRule)
}

// saveMobile stores the number, forgets trusted browsers, audits and tells the
// member. It locks and reads the member again, checks allowed on that row
// (nil: the member's own change, which needs an active account) and writes
// the number only, so that a role or state changed meanwhile stays as it is.
// The member's own change came with a code sent to the number, which
// verifies it; a number set by anyone else is unverified. The member's
// confirmation of the number they have only marks it verified.
func (mb *Mobile) saveMobile(ctx context.Context, m *gatehouse.Member, e164 string, actor gatehouse.Actor, c gatehouse.Client, via string, allowed func(*gatehouse.Member) error) error {
	s := mb.s
	const op = "twofactor.saveMobile"
	now := s.now()
	if allowed == nil {
		allowed = account.ActiveSelf(op, now)
	}
	var stored gatehouse.Member
	err := s.Tx.Tx(ctx, func(tx Tx) error {
		fresh, err := gatehouse.LockMemberFor(ctx, tx, op, m.OrgID, m.ID)
		if err != nil {
			return err
		}
		if err := allowed(fresh); err != nil {
			return err
		}
		old := fresh.Mobile
		verified := ""
		if via == "member" {
			verified = e164
		}
		if old == e164 && verified != "" {
			stored = *fresh
			if err := s.markMobileVerified(ctx, tx, &stored, actor, c, "confirmation"); err != nil {
				return err
			}
			return nil
		}
		change := gatehouse.MemberChange{Mobile: &e164, VerifiedMobile: &verified, UpdatedAt: now}
		if err := tx.ChangeMember(ctx, m.OrgID, m.ID, change); err != nil {
			return gatehouse.Wrap(op, err)
		}
		change.Apply(fresh)
		if _, err := s.Steps.ForgetDevices(ctx, tx, fresh, actor, c, account.RevokedSecondFactor); err != nil {
			return err
		}
		stored = *fresh
		if err := s.audit(ctx, tx, event(gatehouse.EventMobileChanged, m.OrgID, actor, m.ID, c, map[string]string{
			"via": via, "old": maskOrNone(old), "new": maskOrNone(e164), "verified": boolText(verified != ""),
		})); err != nil {
			return err
		}
		return s.Steps.NotifyChanges(ctx, tx, fresh, actor, c, account.MobileChange(old, e164))
	})
	if err != nil {
		return err
	}
	*m = stored
	s.Outbox.Wake()
	return nil
}

func maskOrNone(n string) string {
	if n == "" {
		return "none"
	}
	return gatehouse.MaskPhone(n)
}

// markMobileVerified records that a code sent to the member's number m (as
// locked in tx) came back by how ("confirmation", "sign_in"), unless the
// number is verified already. It is not a change of second factor: trusted
// browsers stay, and the member is not emailed.
func (s *Service) markMobileVerified(ctx context.Context, tx Tx, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client, how string) error {
	const op = "twofactor.markMobileVerified"
	if m.Mobile == "" || m.MobileVerified() {
		return nil
	}
	change := gatehouse.MemberChange{VerifiedMobile: &m.Mobile, UpdatedAt: s.now()}
	if err := tx.ChangeMember(ctx, m.OrgID, m.ID, change); err != nil {
		return gatehouse.Wrap(op, err)
	}
	change.Apply(m)
	return s.audit(ctx, tx, event(gatehouse.EventMobileVerified, m.OrgID, actor, m.ID, c, map[string]string{
		"mobile": gatehouse.MaskPhone(m.Mobile), "by": how,
	}))
}

// SMSCameBack marks the member's number verified when sc, a sign-in code
// entered correctly, went to it by SMS (nil sc: the proof was no code).
func (s *Service) SMSCameBack(ctx context.Context, m *gatehouse.Member, sc *gatehouse.SentCode, c gatehouse.Client) error {
	if sc == nil || sc.Channel != gatehouse.ChannelSMS || sc.To != m.Mobile || m.MobileVerified() {
		return nil
	}
	return s.Tx.Tx(ctx, func(tx Tx) error {
		fresh, err := gatehouse.LockMemberFor(ctx, tx, "twofactor.SMSCameBack", m.OrgID, m.ID)
		if err != nil {
			return err
		}
		if fresh.Mobile != sc.To {
			return nil // changed meanwhile: the code proved the old number
		}
		if err := s.markMobileVerified(ctx, tx, fresh, gatehouse.MemberActor(m), c, "sign_in"); err != nil {
			return err
		}
		m.VerifiedMobile, m.MobileVerifiedAt = fresh.VerifiedMobile, fresh.MobileVerifiedAt
		return nil
	})
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
