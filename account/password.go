package account

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/outbox"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/session"
)

// SamePassword reports whether two typings are one password: equal once
// normalized (NFKC), as they are hashed. The form that asks for a password
// twice compares with it.
func SamePassword(a, b string) bool {
	return secret.NormalizePassword(a) == secret.NormalizePassword(b)
}

// Field names of password forms, shared by pages and the API.
const (
	FieldCurrentPassword = "current_password"
	FieldNewPassword     = "new_password"
	FieldConfirmPassword = "confirm_password"
)

// CheckPassword tests a new password for m against the policy and the member's
// recent passwords (the current one included) and returns every unmet rule as a
// FieldError on field. It does the expensive history comparison only when the
// cheap rules pass.
//
// The rules judge the password in the form it is hashed in, NFKC
// (secret.NormalizePassword): its length is the length of that form.
func (s *Service) CheckPassword(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, field, password string) ([]gatehouse.FieldError, error) {
	errs := set.Policy().Check(field, secret.NormalizePassword(password), gatehouse.ContextWords(m, set.OrganizationName), s.Blocklist)
	if len(errs) > 0 {
		return errs, nil
	}
	reused, err := s.reused(ctx, set, m, password)
	if err != nil {
		return nil, err
	}
	if reused {
		errs = append(errs, gatehouse.FieldError{Field: field, Code: gatehouse.RuleReused,
			Message: "It is your current password or one of your last " + itoa(set.PasswordHistory) + " passwords."})
	}
	return errs, nil
}

// reused reports whether password is the member's current password or one of the
// previous History-1 ones.
func (s *Service) reused(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, password string) (bool, error) {
	hashes := []string{}
	if m.PasswordHash != "" {
		hashes = append(hashes, m.PasswordHash)
	}
	if set.PasswordHistory > 1 {
		old, err := s.Store.PasswordHistory(ctx, m.OrgID, m.ID, set.PasswordHistory-1)
		if err != nil {
			return false, gatehouse.Wrap("account.reused", err)
		}
		hashes = append(hashes, old...)
	}
	for _, h := range hashes {
		ok, _, err := s.Hasher.Verify(ctx, password, h)
		if err != nil && gatehouse.IsCode(err, gatehouse.Unavailable) {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// PasswordChange describes how a new password is set, for SetPassword.
type PasswordChange struct {
	Member     *gatehouse.Member // as the caller read it; SetPassword leaves the stored row in it
	Password   string
	Actor      gatehouse.Actor
	Client     gatehouse.Client
	Via        string // "change", "renew", "reset", "activation", "admin", "api"
	MustChange bool   // the member must choose another at next sign-in (administrator's choice)
	// KeepSession is the id of the session that stays signed in ("" ends all).
	KeepSession string
	// Verified is the stored hash against which the caller checked the member's
	// current password ("" when none was asked for). When the locked row holds
	// another one, the password changed meanwhile and the proof no longer
	// counts: the change is refused.
	Verified string
	// Allowed checks, on the member's row as locked in the transaction, that the
	// change may still happen: the state and role it depends on may have changed
	// since the caller read them. nil means a change by the member themselves,
	// which needs an active account (see ActiveSelf).
	Allowed func(m *gatehouse.Member) error
	// Redeem uses the one-time link that allows the change, in the transaction
	// and before anything is written, so that of several concurrent submissions
	// exactly one gets past it.
	Redeem func(tx Tx) error
	// InTx runs extra work in the same transaction, once the password is written:
	// before is the locked row as it was, after as it is now.
	InTx func(tx Tx, before, after *gatehouse.Member) error
}

// errPasswordChangedMeanwhile refuses a change whose proof of the current
// password was made against a password that has since been replaced.
func errPasswordChangedMeanwhile(op string) error {
	return gatehouse.Errorf(gatehouse.Conflict, op, "Your password was changed while you were typing. Sign in again with the new password.")
}

// ActiveSelf is the rule of every change a member makes themselves: the
// account must be active now (a disabled or expired account gets a password
// from an administrator only).
func ActiveSelf(op string, now time.Time) func(m *gatehouse.Member) error {
	return func(m *gatehouse.Member) error {
		if m.EffectiveState(now) != gatehouse.StateActive {
			return gatehouse.Errorf(gatehouse.Forbidden, op, "This account is disabled or has expired. Ask an administrator.")
		}
		return nil
	}
}

// SetPassword hashes and stores a new password that already passed the policy,
// records the old one in the history, ends the member's other sessions, forgets
// their trusted browsers, ends every outstanding reset and activation link
// (whichever route set the password, a link sent before must not set it again),
// queues the "password changed" email and audits, all in one transaction.
//
// Every route that sets a password comes through here. The transaction first
// locks the member's row and reads it again (LockMember), checks on that fresh
// row what the change depends on (pc.Verified, pc.Allowed), and then writes
// only the password columns, and the state when the account was never
// activated: a role, state, expiry or email that an administrator changed while
// the password was being hashed stays as the administrator left it.
func (s *Service) SetPassword(ctx context.Context, set *gatehouse.Settings, pc PasswordChange) error {
	const op = "account.SetPassword"
	hash, err := s.Hasher.Hash(ctx, pc.Password)
	if err != nil {
		return err
	}
	now := s.now()
	allowed := pc.Allowed
	if allowed == nil {
		allowed = ActiveSelf(op, now)
	}
	var stored gatehouse.Member
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		m, err := gatehouse.LockMemberFor(ctx, tx, op, pc.Member.OrgID, pc.Member.ID)
		if err != nil {
			return err
		}
		before := *m
		if pc.Verified != "" && m.PasswordHash != pc.Verified {
			return errPasswordChangedMeanwhile(op)
		}
		if err := allowed(m); err != nil {
			return err
		}
		if pc.Redeem != nil {
			if err := pc.Redeem(tx); err != nil {
				return err
			}
		}
		if m.PasswordHash != "" {
			if err := tx.AddPasswordHistory(ctx, m.OrgID, m.ID, m.PasswordHash, now, max(set.PasswordHistory-1, 0)); err != nil {
				return gatehouse.Wrap(op, err)
			}
		}
		c := gatehouse.MemberChange{PasswordHash: &hash, PasswordChangedAt: &now, MustChangePassword: &pc.MustChange, UpdatedAt: now}
		if m.State == gatehouse.StateNeverActivated {
			active := gatehouse.StateActive
			c.State = &active
		}
		if err := tx.ChangeMember(ctx, m.OrgID, m.ID, c); err != nil {
			return gatehouse.Wrap(op, err)
		}
		c.Apply(m)
		if _, err := tx.DeleteMemberSessions(ctx, m.OrgID, m.ID, pc.KeepSession); err != nil {
			return gatehouse.Wrap(op, err)
		}
		// Every route that sets a password comes through here: each one forgets
		// the member's trusted browsers (S12) and ends the member's links.
		if _, err := s.ForgetDevices(ctx, tx, m, pc.Actor, pc.Client, RevokedPassword+"_"+pc.Via); err != nil {
			return err
		}
		if err := s.RevokeLinks(ctx, tx, m); err != nil {
			return err
		}
		if pc.InTx != nil {
			if err := pc.InTx(tx, &before, m); err != nil {
				return err
			}
		}
		if err := s.queueEmail(ctx, tx, set, m, gatehouse.KindPasswordChanged, gatehouse.MessageData{
			At: now, IP: pc.Client.IP, UserAgent: pc.Client.UserAgent, SupportURL: s.linkVia(ctx, tx, m.OrgID, "/forgot-password", nil),
		}); err != nil {
			return err
		}
		stored = *m
		return s.audit(ctx, tx, event(gatehouse.EventPasswordChanged, m.OrgID, pc.Actor, m.ID, pc.Client,
			map[string]string{"via": pc.Via, "must_change": boolString(pc.MustChange)}))
	})
	if err != nil {
		return err
	}
	*pc.Member = stored
	s.kick()
	return nil
}

// ChangePasswordRequest is a member changing their own password (S1).
type ChangePasswordRequest struct {
	Session *gatehouse.Session
	Member  *gatehouse.Member
	Current string
	New     string
	Confirm string
	Client  gatehouse.Client
}

// ChangePassword verifies the current password and sets the new one; every other
// session of the member ends. The current session goes on under a new secret,
// returned for the cookie: the old one stops working at once.
func (s *Service) ChangePassword(ctx context.Context, req ChangePasswordRequest) (string, error) {
	const op = "account.ChangePassword"
	m := req.Member
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return "", err
	}
	if !set.AllowPasswordChange {
		return "", gatehouse.Errorf(gatehouse.Forbidden, op, "Your organization does not allow members to change their own password. Ask an administrator.")
	}
	if err := s.CheckCurrentPassword(ctx, &set, op, m, req.Current, req.Client); err != nil {
		return "", err
	}
	if err := s.CheckNew(ctx, &set, m, req.New, req.Confirm, req.Client); err != nil {
		return "", err
	}
	sess, token := req.Session, ""
	err = s.SetPassword(ctx, &set, PasswordChange{
		Member: m, Password: req.New, Actor: gatehouse.MemberActor(m), Client: req.Client, Via: "change", KeepSession: sess.ID,
		Verified: m.PasswordHash,
		InTx: func(tx Tx, _, _ *gatehouse.Member) error {
			var err error
			token, err = session.Rotate(ctx, tx, sess, sess.Stage, &set, s.now(), s.rand())
			return err
		},
	})
	return token, err
}

// CheckCurrentPassword checks the current password of a signed-in member before a
// sensitive change (a new password, PIN, number or second factor), with the
// sign-in throttle, since each is a chance to guess it, and audits a wrong one.
func (s *Service) CheckCurrentPassword(ctx context.Context, set *gatehouse.Settings, op string, m *gatehouse.Member, current string, c gatehouse.Client) error {
	if current == "" {
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldCurrentPassword, Code: "required", Message: "Enter your current password."})
	}
	now := s.now()
	// The member is signed in and knows their account: its limit is shown.
	keys := NewSignInKeys(m.OrgID, m.ID, m.Username, c.IP)
	if st, err := s.ReadSignInThrottle(ctx, set, keys, now); err != nil {
		return err
	} else if d := max(st.Visible, st.Account); d > 0 {
		return Throttled(op, d)
	}
	ok := false
	if len(current) <= gatehouse.MaxPasswordBytes && m.PasswordHash != "" {
		var err error
		ok, _, err = s.Hasher.Verify(ctx, current, m.PasswordHash)
		if err != nil && gatehouse.IsCode(err, gatehouse.Unavailable) {
			return err
		}
	}
	if !ok {
		if _, err := s.CountSignInFailure(ctx, set, keys, now); err != nil {
			return err
		}
		_ = s.audit(ctx, s.Store, event(gatehouse.EventPasswordRefused, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"reason": "wrong_current_password", "for": op}))
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldCurrentPassword, Code: "wrong_password", Message: "Your current password is not correct."})
	}
	return nil
}

// CheckNew validates a new password and its confirmation and audits a refusal.
func (s *Service) CheckNew(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, pw, confirm string, c gatehouse.Client) error {
	const op = "account.CheckNew"
	if pw == "" {
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldNewPassword, Code: "required", Message: "Enter a new password."})
	}
	errs, err := s.CheckPassword(ctx, set, m, FieldNewPassword, pw)
	if err != nil {
		return err
	}
	if !SamePassword(pw, confirm) {
		errs = append(errs, gatehouse.FieldError{Field: FieldConfirmPassword, Code: gatehouse.RuleMismatch, Message: "The two new passwords are not the same."})
	}
	if len(errs) == 0 {
		return nil
	}
	codes := ""
	for i, e := range errs {
		if i > 0 {
			codes += ","
		}
		codes += e.Code
	}
	_ = s.audit(ctx, s.Store, event(gatehouse.EventPasswordRefused, m.OrgID, gatehouse.MemberActor(m), m.ID, c, map[string]string{"rules": codes}))
	e := gatehouse.InvalidFields(op, errs...)
	e.Message = gatehouse.PasswordMessage(errs)
	return e
}

// RenewPasswordRequest is a member who signed in with an expired or flagged
// password choosing a new one before anything else (S8).
type RenewPasswordRequest struct {
	Session *gatehouse.Session
	Member  *gatehouse.Member
	New     string
	Confirm string
	Client  gatehouse.Client
}

// RenewPassword sets the new password of a session at StageRenewPassword and
// makes the session active under a new secret, returned for the cookie: the
// secret that was only allowed to renew the password stops working at once.
func (s *Service) RenewPassword(ctx context.Context, req RenewPasswordRequest) (string, error) {
	const op = "account.RenewPassword"
	if req.Session.Stage != gatehouse.StageRenewPassword {
		return "", gatehouse.Errorf(gatehouse.Forbidden, op, "Your password does not need renewing.")
	}
	m := req.Member
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return "", err
	}
	if err := s.CheckNew(ctx, &set, m, req.New, req.Confirm, req.Client); err != nil {
		return "", err
	}
	sess, token := req.Session, ""
	err = s.SetPassword(ctx, &set, PasswordChange{
		Member: m, Password: req.New, Actor: gatehouse.MemberActor(m), Client: req.Client, Via: "renew", KeepSession: sess.ID,
		InTx: func(tx Tx, _, _ *gatehouse.Member) error {
			var err error
			token, err = session.Rotate(ctx, tx, sess, gatehouse.StageActive, &set, s.now(), s.rand())
			return err
		},
	})
	return token, err
}

// queueEmail renders a message of kind to the member's contact address and
// puts it in the outbox through st (normally a transaction, so the message
// exists only if the change does).
func (s *Service) queueEmail(ctx context.Context, st StepStore, set *gatehouse.Settings, m *gatehouse.Member, kind string, d gatehouse.MessageData) error {
	return s.QueueEmailTo(ctx, st, set, m, m.ContactEmail(), kind, d)
}

// QueueEmailTo is queueEmail to the address to rather than the member's
// contact address.
func (s *Service) QueueEmailTo(ctx context.Context, st StepStore, set *gatehouse.Settings, m *gatehouse.Member, to, kind string, d gatehouse.MessageData) error {
	if to == "" {
		return nil // nowhere to send it; the audit log still records the change
	}
	d.MemberName = m.Name()
	d.Username = m.Username
	_, err := s.Outbox.Email(ctx, st, set, outbox.Email{OrgID: m.OrgID, MemberID: m.ID, To: to, Kind: kind, Data: d})
	return err
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// Reauthenticate checks the current password of a signed-in member before a
// sensitive change made elsewhere (the passkeys of package passkey), with the
// throttling and audit of every other such check.
func (s *Service) Reauthenticate(ctx context.Context, m *gatehouse.Member, password string, c gatehouse.Client) error {
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	return s.CheckCurrentPassword(ctx, &set, "account.Reauthenticate", m, password, c)
}
