package twofactor

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// Authenticator apps (TOTP, RFC 6238).
//
// The app's secret is sealed with AES-256-GCM under the server key "totp",
// bound to the member (associated data), so a copied row does not open for
// another member. The key lives in the same database (server_keys): this
// protects secrets in a dump or backup of the authenticators table without
// the keys table, not against someone who holds the whole database.
//
// A code is accepted for the current 30-second step or one step either side
// (clock drift), and only for a step later than the last one accepted, which
// is stored atomically: a code is never accepted twice.

// totpKeyName names the server key that seals authenticator secrets.
const totpKeyName = "totp"

// totpSkew is how many steps of clock drift are allowed either side.
const totpSkew = 1

// Authenticator returns the member's authenticator app, or nil.
func (s *Service) Authenticator(ctx context.Context, m *gatehouse.Member) (*gatehouse.Authenticator, error) {
	a, err := s.Store.Authenticator(ctx, m.OrgID, m.ID)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, gatehouse.Wrap("twofactor.Authenticator", err)
	}
	return a, nil
}

func totpAAD(orgID, memberID string) []byte { return []byte("totp\x00" + orgID + "\x00" + memberID) }

func (s *Service) sealTOTP(ctx context.Context, m *gatehouse.Member, plain string) (string, error) {
	key, err := s.Store.ServerKey(ctx, totpKeyName, 32)
	if err != nil {
		return "", gatehouse.Wrap("twofactor.sealTOTP", err)
	}
	sealed, err := secret.Seal(key, []byte(plain), totpAAD(m.OrgID, m.ID), s.rand())
	return sealed, gatehouse.Wrap("twofactor.sealTOTP", err)
}

func (s *Service) openTOTP(ctx context.Context, a *gatehouse.Authenticator) (string, error) {
	key, err := s.Store.ServerKey(ctx, totpKeyName, 32)
	if err != nil {
		return "", gatehouse.Wrap("twofactor.openTOTP", err)
	}
	plain, err := secret.Open(key, a.Secret, totpAAD(a.OrgID, a.MemberID))
	if err != nil {
		return "", gatehouse.Wrap("twofactor.openTOTP", err)
	}
	return string(plain), nil
}

// AuthenticatorState is what the two-factor settings page shows.
type AuthenticatorState struct {
	Enrolled      bool
	EnrolledAt    string
	Pending       *Enrolment // an app being set up, nil when none
	RecoveryCodes int        // unused recovery codes
	Mode          string     // the organization's two_factor setting
}

// Enrolment is an authenticator app being set up: the secret to type into the
// app (in groups of four) and the otpauth:// URL for its QR code.
type Enrolment struct {
	Secret string
	URL    string
}

// factors returns the organization's settings, the member's authenticator app
// (nil when none) and how many recovery codes the member has left.
func (s *Service) factors(ctx context.Context, op string, m *gatehouse.Member) (gatehouse.Settings, *gatehouse.Authenticator, int, error) {
	set, err := s.Steps.Settings(ctx, m.OrgID)
	if err != nil {
		return set, nil, 0, err
	}
	a, err := s.Authenticator(ctx, m)
	if err != nil {
		return set, nil, 0, err
	}
	left, err := s.Store.RecoveryCodesLeft(ctx, m.OrgID, m.ID)
	if err != nil {
		return set, nil, 0, gatehouse.Wrap(op, err)
	}
	return set, a, left, nil
}

// Enrolled reports whether m has a confirmed authenticator app, and how many
// unused recovery codes.
func (s *Service) Enrolled(ctx context.Context, m *gatehouse.Member) (app bool, recoveryCodes int, err error) {
	a, err := s.Authenticator(ctx, m)
	if err != nil {
		return false, 0, err
	}
	left, err := s.Store.RecoveryCodesLeft(ctx, m.OrgID, m.ID)
	if err != nil {
		return false, 0, gatehouse.Wrap("twofactor.Enrolled", err)
	}
	return a.Confirmed(), left, nil
}

// AuthenticatorState returns the member's app and recovery codes.
func (s *Service) AuthenticatorState(ctx context.Context, m *gatehouse.Member) (*AuthenticatorState, error) {
	set, a, left, err := s.factors(ctx, "twofactor.AuthenticatorState", m)
	if err != nil {
		return nil, err
	}
	st := &AuthenticatorState{Enrolled: a.Confirmed(), RecoveryCodes: left, Mode: set.TwoFactor}
	if st.Enrolled {
		st.EnrolledAt = a.ConfirmedAt.Format("2 Jan 2006")
	}
	if a != nil && !a.Confirmed() {
		plain, err := s.openTOTP(ctx, a)
		if err != nil {
			return nil, err
		}
		u, err := secret.TOTPURL(issuer(&set), m.Username, plain)
		if err != nil {
			return nil, gatehouse.Wrap("twofactor.AuthenticatorState", err)
		}
		st.Pending = &Enrolment{Secret: groupsOf4(plain), URL: u}
	}
	return st, nil
}

// StartEnrolment checks the member's password and makes a new, pending
// Authenticator secret (replacing a pending one). A member who already has an
// app must remove it first.
func (s *Service) StartEnrolment(ctx context.Context, m *gatehouse.Member, password string, c gatehouse.Client) error {
	const op = "twofactor.StartEnrolment"
	set, err := s.Steps.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	if err := s.Steps.CheckCurrentPassword(ctx, &set, op, m, password, c); err != nil {
		return err
	}
	a, err := s.Authenticator(ctx, m)
	if err != nil {
		return err
	}
	if a.Confirmed() {
		return gatehouse.Errorf(gatehouse.Conflict, op, "You already have an authenticator app. Remove it first to set up another.")
	}
	plain, _, err := secret.NewTOTP(issuer(&set), m.Username, s.rand())
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	sealed, err := s.sealTOTP(ctx, m, plain)
	if err != nil {
		return err
	}
	if err := s.Store.SaveAuthenticator(ctx, &gatehouse.Authenticator{OrgID: m.OrgID, MemberID: m.ID, Secret: sealed, CreatedAt: s.now()}); err != nil {
		return gatehouse.Wrap(op, err)
	}
	return nil
}

// ConfirmEnrolment checks the first code of a pending app, which enrols it,
// and returns the member's new recovery codes, to be shown once. Trusted
// browsers are forgotten: the second factor changed.
func (s *Service) ConfirmEnrolment(ctx context.Context, m *gatehouse.Member, typed string, c gatehouse.Client) ([]string, error) {
	const op = "twofactor.ConfirmEnrolment"
	set, err := s.Steps.Settings(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	a, err := s.Authenticator(ctx, m)
	if err != nil {
		return nil, err
	}
	if a == nil || a.Confirmed() {
		return nil, gatehouse.Errorf(gatehouse.Conflict, op, "There is no authenticator app being set up.")
	}
	if err := s.Wait(ctx, &set, m, c); err != nil {
		return nil, err
	}
	step, err := s.matchTOTP(ctx, a, typed)
	if err != nil {
		return nil, err
	}
	if step < 0 {
		if err := s.Failed(ctx, m, c, MethodApp, "wrong_enrolment_code"); err != nil {
			return nil, err
		}
		return nil, gatehouse.InvalidFields(op, codeField("wrong", "That code is not right. Check the time on your phone and enter the code your app shows now."))
	}
	codes, hashes, err := s.newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		if err := tx.UseAuthenticatorStep(ctx, m.OrgID, m.ID, step, now); err != nil {
			if gatehouse.IsCode(err, gatehouse.Conflict) {
				return gatehouse.InvalidFields(op, codeField("used", "That code has already been used. Wait for the next one."))
			}
			return gatehouse.Wrap(op, err)
		}
		if err := tx.ReplaceRecoveryCodes(ctx, m.OrgID, m.ID, hashes, now); err != nil {
			return gatehouse.Wrap(op, err)
		}
		if _, err := s.Steps.ForgetDevices(ctx, tx, m, gatehouse.MemberActor(m), c, account.RevokedSecondFactor); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, event(gatehouse.EventMethodEnrolled, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"method": "totp", "recovery_codes": itoa(len(codes))})); err != nil {
			return err
		}
		return s.Steps.NotifyChanges(ctx, tx, m, gatehouse.MemberActor(m), c, []gatehouse.Change{{What: gatehouse.ChangeApp, New: "app"}})
	})
	if err != nil {
		return nil, err
	}
	s.Outbox.Wake()
	return codes, nil
}

// RemoveAuthenticator checks the member's password and removes their app.
// Trusted browsers are forgotten. It is refused when the organization requires
// a second factor and no other way to receive one would remain.
func (s *Service) RemoveAuthenticator(ctx context.Context, m *gatehouse.Member, password string, c gatehouse.Client) error {
	const op = "twofactor.RemoveAuthenticator"
	set, err := s.Steps.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	if err := s.Steps.CheckCurrentPassword(ctx, &set, op, m, password, c); err != nil {
		return err
	}
	if set.TwoFactor == gatehouse.TwoFactorRequired && m.Mobile == "" && !(set.TwoFactorEmail && m.ContactEmail() != "") {
		return gatehouse.Errorf(gatehouse.Conflict, op, "Your organization requires a second factor and you have no mobile number: add one before you remove your app.")
	}
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		if err := tx.DeleteAuthenticator(ctx, m.OrgID, m.ID); err != nil {
			if gatehouse.IsCode(err, gatehouse.NotFound) {
				return gatehouse.Errorf(gatehouse.NotFound, op, "You have no authenticator app.")
			}
			return gatehouse.Wrap(op, err)
		}
		if _, err := s.Steps.ForgetDevices(ctx, tx, m, gatehouse.MemberActor(m), c, account.RevokedSecondFactor); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, event(gatehouse.EventMethodRemoved, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"method": "totp"})); err != nil {
			return err
		}
		return s.Steps.NotifyChanges(ctx, tx, m, gatehouse.MemberActor(m), c, []gatehouse.Change{{What: gatehouse.ChangeApp, Old: "app"}})
	})
	if err == nil {
		s.Outbox.Wake()
	}
	return err
}

// matchTOTP returns the step, within the allowed drift and later than the
// last one used, whose code is typed; -1 when there is none.
func (s *Service) matchTOTP(ctx context.Context, a *gatehouse.Authenticator, typed string) (int64, error) {
	code, ok := digitsOnly(typed, secret.TOTPDigits)
	if !ok {
		return 0, gatehouse.InvalidFields("twofactor.matchTOTP", codeField("format", "Enter the 6-digit code your app shows."))
	}
	plain, err := s.openTOTP(ctx, a)
	if err != nil {
		return 0, err
	}
	now := secret.TOTPStep(s.now())
	for _, step := range []int64{now, now - totpSkew, now + totpSkew} {
		if step <= a.LastStep {
			continue // used already, or earlier than a step used
		}
		want, err := secret.TOTPCode(plain, step)
		if err != nil {
			return 0, gatehouse.Wrap("twofactor.matchTOTP", err)
		}
		if secret.Equal(code, want) {
			return step, nil
		}
	}
	return -1, nil
}

// CheckApp checks a code from the member's authenticator app at sign-in.
func (s *Service) CheckApp(ctx context.Context, m *gatehouse.Member, typed string, c gatehouse.Client) error {
	const op = "twofactor.CheckApp"
	a, err := s.Authenticator(ctx, m)
	if err != nil {
		return err
	}
	if !a.Confirmed() {
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "method", Code: "no_app", Message: "You have no authenticator app. Use a code instead."})
	}
	step, err := s.matchTOTP(ctx, a, typed)
	if err != nil {
		return err
	}
	if step >= 0 {
		err = s.Store.UseAuthenticatorStep(ctx, m.OrgID, m.ID, step, s.now())
		if err == nil {
			return nil
		}
		if !gatehouse.IsCode(err, gatehouse.Conflict) {
			return gatehouse.Wrap(op, err)
		}
	}
	// A code already used is as wrong as any other: it counts and is audited.
	reason := "wrong_code"
	if step >= 0 || s.usedTOTP(ctx, a, typed) {
		reason = "replayed_code"
	}
	if err := s.Failed(ctx, m, c, MethodApp, reason); err != nil {
		return err
	}
	if reason == "replayed_code" {
		return gatehouse.InvalidFields(op, codeField("used", "That code has already been used. Wait for your app to show the next one."))
	}
	return gatehouse.InvalidFields(op, codeField("wrong", "That code is not right. Enter the code your app shows now."))
}

// usedTOTP reports whether typed is the code of a recent step that was
// already used, only to word the refusal.
func (s *Service) usedTOTP(ctx context.Context, a *gatehouse.Authenticator, typed string) bool {
	code, _ := digitsOnly(typed, secret.TOTPDigits)
	plain, err := s.openTOTP(ctx, a)
	if err != nil {
		return false
	}
	now := secret.TOTPStep(s.now())
	for step := now - totpSkew; step <= now+totpSkew && step <= a.LastStep; step++ {
		if want, err := secret.TOTPCode(plain, step); err == nil && secret.Equal(code, want) {
			return true
		}
	}
	return false
}

// issuer is the name authenticator apps show for the account.
func issuer(set *gatehouse.Settings) string {
	if set.OrganizationName != "" {
		return set.OrganizationName
	}
	return "Gatehouse"
}

func groupsOf4(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
