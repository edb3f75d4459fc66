package signin

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/session"
	"github.com/gatehouse-auth/gatehouse/twofactor"
)

// Second factors of administrators and owners (settings
// two_factor_for_administrators, two_factor_admin_methods,
// trusted_device_days_for_administrators; NIST SP 800-63B-4 and OWASP ASVS
// 5.0 6.3 do not accept codes sent by email, nor by SMS for the highest
// level, from privileged accounts). When the rule applies
// (Settings.AdminSecondFactor):
//
//   - the administrator always proves a second factor after the password,
//     even when two_factor is optional and they have set up nothing;
//   - only the methods two_factor_admin_methods lists count, and recovery
//     codes (the look-up secrets of NIST's list, made when an app was set up);
//   - an administrator who has a factor that counts may not use another: asking
//     for an emailed code is refused;
//   - an administrator who has none is led to set one up at sign-in
//     (StageSetupSecondFactor), as Keycloak's required action "Configure OTP"
//     does; but a weaker factor they have (a code by SMS or email) is asked
//     for first, so that someone who knows only the password cannot add their
//     own authenticator. Only an administrator with no second factor at all
//     goes to the setup right after the password.
//
// A change of role ends the member's sessions (UpdateMember), so a promotion
// or demotion takes effect at the next sign-in, where these rules are read on
// the member as the database then holds it.

// memberFactors is what second factors a member has, as the sign-in sees them.
type memberFactors struct {
	app      bool // a confirmed authenticator app
	passkeys int
	recovery int  // unused recovery codes
	sms      bool // a mobile number that may receive sign-in codes (smsUsable)
	email    bool // an address that may receive sign-in codes (two_factor_email)
}

func (s *Service) memberFactors(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member) (memberFactors, error) {
	var f memberFactors
	var err error
	if f.app, f.recovery, err = s.Factors.Enrolled(ctx, m); err != nil {
		return f, err
	}
	if f.passkeys, err = s.passkeyCount(ctx, m); err != nil {
		return f, err
	}
	f.email = set.TwoFactorEmail && m.ContactEmail() != ""
	f.sms = smsUsable(m, f.app, f.passkeys, f.email)
	return f, nil
}

// smsUsable reports whether sign-in codes may go to m's mobile number: a
// verified number always; an unverified one (set by an administrator, never
// confirmed) only as the last resort, when the member has no app, no passkey
// and no email codes. Recovery codes are kept for emergencies and do not
// count as another way here.
func smsUsable(m *gatehouse.Member, app bool, passkeys int, email bool) bool {
	return m.MobileVerified() || m.Mobile != "" && !app && passkeys == 0 && !email
}

// any reports whether the member can prove any second factor at all.
func (f memberFactors) any() bool {
	return f.app || f.passkeys > 0 || f.recovery > 0 || f.sms || f.email
}

// counts reports whether f holds a factor that counts for m: any factor,
// unless the administrators' rule applies.
func (f memberFactors) counts(set *gatehouse.Settings, m *gatehouse.Member) bool {
	return f.app && methodCounts(set, m, twofactor.MethodApp, "") ||
		f.passkeys > 0 && methodCounts(set, m, twofactor.MethodPasskey, "") ||
		f.sms && methodCounts(set, m, twofactor.MethodCode, gatehouse.ChannelSMS) ||
		f.email && methodCounts(set, m, twofactor.MethodCode, gatehouse.ChannelEmail)
}

// methodCounts reports whether proving method (a code on channel ch) counts
// as m's second factor.
func methodCounts(set *gatehouse.Settings, m *gatehouse.Member, method string, ch gatehouse.Channel) bool {
	if !set.AdminSecondFactor(m) {
		return true
	}
	switch method {
	case twofactor.MethodApp:
		return set.AdminMethodAllowed(gatehouse.AdminMethodApp)
	case twofactor.MethodPasskey:
		return set.AdminMethodAllowed(gatehouse.AdminMethodPasskey)
	case twofactor.MethodRecovery:
		return true
	case twofactor.MethodCode:
		// An unverified number never counts for an administrator.
		if ch == gatehouse.ChannelSMS && !m.MobileVerified() {
			return false
		}
		return (ch == gatehouse.ChannelSMS || ch == gatehouse.ChannelEmail) && set.AdminMethodAllowed(string(ch))
	}
	return false
}

// adminMethodIDs lists the methods that count for administrators
// (gatehouse.AdminMethodApp, ...), for the pages, which name them in their
// language.
func adminMethodIDs(set *gatehouse.Settings) []string {
	var ids []string
	for _, method := range gatehouse.AdminMethods {
		if set.AdminMethodAllowed(method) {
			ids = append(ids, method)
		}
	}
	return ids
}

// methodNames are the English names of the methods, as the catalog has them
// (factor_setup.method.*): the web layer translates a message composed of
// them (i18n.Lang.Tr).
var methodNames = map[string]string{
	gatehouse.AdminMethodApp: "an authenticator app", gatehouse.AdminMethodPasskey: "a passkey",
	gatehouse.AdminMethodSMS: "a code by SMS", gatehouse.AdminMethodEmail: "a code by email",
}

// adminMethodsText names the methods that count for administrators in
// English, for the refusals: "an authenticator app or a passkey".
func adminMethodsText(set *gatehouse.Settings) string {
	ids := adminMethodIDs(set)
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = methodNames[id]
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// refuseMethod is the answer to an administrator who asks for, or answers
// with, a method that does not count for them while they have one that does.
func refuseMethod(op, field string, set *gatehouse.Settings) error {
	return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: field, Code: "not_allowed_for_administrators",
		Message: "Administrators confirm it is them with " + adminMethodsText(set) + "."})
}

// pendingStage is the stage of a sign-in that must prove a second factor
// and has no trusted browser: the second step, or, for an administrator
// under the rule who has no second factor at all, its setup.
func (s *Service) pendingStage(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings) (gatehouse.Stage, error) {
	if set.AdminSecondFactor(m) || m.MustSetUpSecondFactor {
		f, err := s.memberFactors(ctx, set, m)
		if err != nil {
			return "", err
		}
		if !f.any() {
			return gatehouse.StageSetupSecondFactor, nil
		}
	}
	return gatehouse.StageSecondFactor, nil
}

// stageAfterProof is where a sign-in goes once its second factor is proven
// (or not needed): an administrator under the rule who has no factor that
// counts for them sets one up first; then a password that expired or was
// flagged is renewed (stageAfterSecondFactor).
func (s *Service) stageAfterProof(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings, now time.Time) (gatehouse.Stage, error) {
	if set.AdminSecondFactor(m) || m.MustSetUpSecondFactor {
		f, err := s.memberFactors(ctx, set, m)
		if err != nil {
			return "", err
		}
		if setupNeeded(set, m, f) {
			return gatehouse.StageSetupSecondFactor, nil
		}
	}
	return stageAfterSecondFactor(m, set, now), nil
}

// setupNeeded reports whether m must set up a second factor before the
// sign-in goes on: an administrator under the rule who has none that counts
// for them, or a member an administrator asked to set one up
// (MustSetUpSecondFactor) who has no app, passkey or verified mobile number.
// Emailed codes and recovery codes are not set up by the member: they do not
// answer that request.
func setupNeeded(set *gatehouse.Settings, m *gatehouse.Member, f memberFactors) bool {
	if set.AdminSecondFactor(m) && !f.counts(set, m) {
		return true
	}
	return m.MustSetUpSecondFactor && !f.app && f.passkeys == 0 && !m.MobileVerified()
}

// setupMethodAllowed reports whether method may be set up at
// StageSetupSecondFactor by m: what counts for an administrator under the
// rule; for a member asked to set one up, an app, a passkey or a mobile
// number.
func setupMethodAllowed(set *gatehouse.Settings, m *gatehouse.Member, method string) bool {
	if set.AdminSecondFactor(m) {
		return set.AdminMethodAllowed(method)
	}
	return method != gatehouse.AdminMethodEmail
}

// setupMethods lists the methods m may set up at StageSetupSecondFactor
// (setupMethodAllowed), in the order of gatehouse.AdminMethods.
func setupMethods(set *gatehouse.Settings, m *gatehouse.Member) []string {
	var ids []string
	for _, method := range gatehouse.AdminMethods {
		if setupMethodAllowed(set, m, method) {
			ids = append(ids, method)
		}
	}
	return ids
}

// SetupOptions is what the setup page offers an administrator who must set
// up a second factor that counts for them.
type SetupOptions struct {
	// Methods are what may be set up (gatehouse.AdminMethodApp, ...): what
	// counts for an administrator under the rule; for a member asked to set
	// one up, anything but emailed codes.
	Methods []string
	// Asked: an administrator asked this member to set up a second factor
	// (MustSetUpSecondFactor); the rule for administrators does not apply.
	Asked   bool
	App     bool // an authenticator app may be set up (/account/two-factor)
	Passkey bool // a passkey may be added (/account/passkeys)
	SMS     bool // a mobile number may be added (/account/mobile)
	// Done: the member now has a factor that counts; the sign-in may go on.
	Done bool
}

// SetupOptions returns what a session at StageSetupSecondFactor may set up.
func (s *Service) SetupOptions(ctx context.Context, m *gatehouse.Member) (*SetupOptions, error) {
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	f, err := s.memberFactors(ctx, &set, m)
	if err != nil {
		return nil, err
	}
	asked := m.MustSetUpSecondFactor && !set.AdminSecondFactor(m)
	return &SetupOptions{
		Methods: setupMethods(&set, m),
		Asked:   asked,
		App:     setupMethodAllowed(&set, m, gatehouse.AdminMethodApp) && !f.app,
		Passkey: setupMethodAllowed(&set, m, gatehouse.AdminMethodPasskey) && s.Passkeys != nil,
		SMS:     setupMethodAllowed(&set, m, gatehouse.AdminMethodSMS) && (asked && !m.MobileVerified() || !asked && !f.sms),
		Done:    !setupNeeded(&set, m, f),
	}, nil
}

// FinishSetup moves a session at StageSetupSecondFactor on, once the member
// has set up a factor that counts for them (or the rule no longer applies to
// them), and returns the session's new secret. The setup was proven by the
// factor's own ceremony (the app's first code, the passkey's registration,
// the code sent to the number).
func (s *Service) FinishSetup(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member, c gatehouse.Client) (string, error) {
	const op = "signin.FinishSetup"
	if sess.Stage != gatehouse.StageSetupSecondFactor {
		return "", gatehouse.Errorf(gatehouse.Forbidden, op, "This sign-in has nothing to set up.")
	}
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return "", err
	}
	now := s.now()
	stage, err := s.stageAfterProof(ctx, m, &set, now)
	if err != nil {
		return "", err
	}
	if stage == gatehouse.StageSetupSecondFactor {
		return "", &gatehouse.Error{Code: gatehouse.Conflict, Op: op, Message: "Set up " + adminMethodsText(&set) + " first."}
	}
	var token string
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		var err error
		if token, err = session.Rotate(ctx, tx, sess, stage, &set, s.now(), s.rand()); err != nil {
			return err
		}
		if err := session.RecordSignIn(ctx, tx, m, stage, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, event(gatehouse.EventCodeVerified, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"method": "setup", "stage": string(stage)}))
	})
	return token, err
}

// adminMayUse refuses an answer of an administrator under the rule with a
// method that does not count for them while they have one that does. The
// channel of a code is the one the session's code went by.
func (s *Service) adminMayUse(ctx context.Context, set *gatehouse.Settings, sess *gatehouse.Session, m *gatehouse.Member, method string, c gatehouse.Client) error {
	const op = "signin.VerifySecondFactor"
	if !set.AdminSecondFactor(m) {
		return nil
	}
	var ch gatehouse.Channel
	if method == twofactor.MethodCode {
		sc, err := s.Store.SessionCode(ctx, m.OrgID, sess.ID, gatehouse.CodeSignIn)
		if err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
			return gatehouse.Wrap(op, err)
		}
		if sc != nil {
			ch = sc.Channel
		}
	}
	if methodCounts(set, m, method, ch) {
		return nil
	}
	f, err := s.memberFactors(ctx, set, m)
	if err != nil || !f.counts(set, m) {
		return err
	}
	if err := s.audit(ctx, s.Store, event(gatehouse.EventCodeFailed, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
		map[string]string{"method": method, "channel": string(ch), "reason": "not_allowed_for_administrators"})); err != nil {
		return err
	}
	return refuseMethod(op, "method", set)
}

// adminOptions narrows what the second-factor page offers an administrator
// under the rule to what counts for them, or says that they will set it up.
func adminOptions(set *gatehouse.Settings, m *gatehouse.Member, o *SecondFactorOptions) {
	if !set.AdminSecondFactor(m) {
		return
	}
	f := memberFactors{app: o.App, passkeys: o.Passkeys, recovery: o.RecoveryCodes, sms: o.SMS != "", email: o.Email != ""}
	o.AdminMethods = adminMethodIDs(set)
	if !f.counts(set, m) {
		// What they prove here does not count: it only lets them set up
		// what does, so no browser is trusted on it.
		o.SetUpNext, o.TrustDays = true, 0
		return
	}
	o.App = o.App && methodCounts(set, m, twofactor.MethodApp, "")
	if !methodCounts(set, m, twofactor.MethodPasskey, "") {
		o.Passkeys = 0
	}
	if !methodCounts(set, m, twofactor.MethodCode, gatehouse.ChannelSMS) {
		o.SMS = ""
	}
	if !methodCounts(set, m, twofactor.MethodCode, gatehouse.ChannelEmail) {
		o.Email = ""
	}
}
