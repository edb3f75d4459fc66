package signin

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/session"
	"github.com/gatehouse-auth/gatehouse/twofactor"
)

// Two-factor sign-in. Who is asked for a second factor (setting two_factor):
//
//   - off: nobody; enrolled authenticator apps are kept but not asked for.
//   - optional: exactly the members who have a confirmed authenticator app. A
//     mobile number alone does not opt a member in, because the organization
//     did not ask for SMS codes and the member may never have chosen them.
//     Such a member may answer with the app, a recovery code, or a code by SMS
//     or email as alternatives.
//   - required: every member (S13). Members with an app are offered it first;
//     the others get a code by SMS to their mobile number, or by email when
//     they have none (S11) and two_factor_email allows it.
//
// A browser trusted after an earlier second factor skips it (S12), never the
// password. The sign-in that follows a password reset asks for it unless
// reset_requires_second_factor is off (S16).

// secondFactorNeeded reports whether m must prove a second factor after the
// password under the organization's settings.
func (s *Service) secondFactorNeeded(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings) (bool, error) {
	if set.AdminSecondFactor(m) {
		return true, nil // whatever they have set up (adminfactor.go)
	}
	switch set.TwoFactor {
	case gatehouse.TwoFactorRequired:
		return true, nil
	case gatehouse.TwoFactorOptional:
		a, err := s.Factors.Authenticator(ctx, m)
		if err != nil || a.Confirmed() {
			return a.Confirmed(), err
		}
		n, err := s.passkeyCount(ctx, m)
		return n > 0, err
	}
	return false, nil
}

// stageAfterSecondFactor is where a sign-in goes once the second factor is
// proven or not needed: renewal of an expired or flagged password, or done.
// The second factor comes first, so that someone who knows only the password
// cannot change it.
func stageAfterSecondFactor(m *gatehouse.Member, set *gatehouse.Settings, now time.Time) gatehouse.Stage {
	if m.MustChangePassword || m.PasswordExpired(now, set.PasswordMaxAgeDays) {
		return gatehouse.StageRenewPassword
	}
	return gatehouse.StageActive
}

// SecondFactorOptions is what the second-factor page offers a member.
type SecondFactorOptions struct {
	Passkeys      int    // the member's passkeys
	App           bool   // a confirmed authenticator app
	RecoveryCodes int    // unused recovery codes
	SMS           string // the masked mobile number, "" when there is none
	Email         string // the masked email address, "" when email may not carry codes
	// Code is the code sent for this sign-in; nil when none was sent.
	Code *twofactor.CodeStatus
	// ResendIn is how long until another code may be sent (the cooldown).
	ResendIn time.Duration
	// TrustDays is how long a browser may be trusted; 0 when never.
	TrustDays int
	// AdminMethods, when not empty, are the only methods that count for this
	// administrator (gatehouse.AdminMethodApp, ...); unless SetUpNext,
	// the others are not offered.
	AdminMethods []string
	// SetUpNext: this administrator has no factor that counts for them and
	// will set one up once this step is passed with any factor they have.
	SetUpNext bool
}

// Default is the method the page shows first: a passkey, else the app, when
// the member has one.
func (o *SecondFactorOptions) Default() string {
	if o.Passkeys > 0 {
		return twofactor.MethodPasskey
	}
	if o.App {
		return twofactor.MethodApp
	}
	return twofactor.MethodCode
}

// CanSend reports whether any channel can carry a code.
func (o *SecondFactorOptions) CanSend() bool { return o.SMS != "" || o.Email != "" }

// SecondFactorOptions returns what the member may use to complete a sign-in at
// the second-factor stage, and the state of the code sent for it.
func (s *Service) SecondFactorOptions(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member) (*SecondFactorOptions, error) {
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	app, left, err := s.Factors.Enrolled(ctx, m)
	if err != nil {
		return nil, err
	}
	o := &SecondFactorOptions{App: app, RecoveryCodes: left, TrustDays: set.TrustDays(m)}
	if o.Passkeys, err = s.passkeyCount(ctx, m); err != nil {
		return nil, err
	}
	if e := m.ContactEmail(); set.TwoFactorEmail && e != "" {
		o.Email = gatehouse.MaskEmail(e)
	}
	if smsUsable(m, o.App, o.Passkeys, o.Email != "") {
		o.SMS = gatehouse.MaskPhone(m.Mobile)
	}
	adminOptions(&set, m, o)
	if o.Code, err = s.Factors.SentCode(ctx, sess, gatehouse.CodeSignIn); err != nil {
		return nil, err
	}
	if o.ResendIn, err = s.Factors.SendCooldown(ctx, &set, m); err != nil {
		return nil, err
	}
	return o, nil
}

// VerifyRequest is the answer to the second-factor page.
type VerifyRequest struct {
	Session *gatehouse.Session
	Member  *gatehouse.Member
	Method  string // twofactor.MethodCode, twofactor.MethodApp, twofactor.MethodRecovery or twofactor.MethodPasskey
	Code    string // as typed
	// Response is the browser's passkey assertion (JSON), for twofactor.MethodPasskey.
	Response []byte
	Trust    bool // trust this browser (S12)
	Client   gatehouse.Client
}

// VerifyResult is a proven second factor.
type VerifyResult struct {
	// Stage is the session's new stage: active, or renewal of the password.
	Stage gatehouse.Stage
	// SessionToken is the session's new secret for the cookie: the secret
	// that was good only for this step stops working at once.
	SessionToken string
	// DeviceCookie, when not "", is the signed value of the trusted-browser
	// cookie to set, valid for DeviceMaxAge.
	DeviceCookie string
	DeviceMaxAge time.Duration
}

// VerifySecondFactor checks the answer of a session at the second-factor stage
// and moves the session on. Wrong answers are throttled per member and per
// client address and audited; a code sent by SMS or email dies after five.
func (s *Service) VerifySecondFactor(ctx context.Context, req VerifyRequest) (*VerifyResult, error) {
	const op = "signin.VerifySecondFactor"
	sess, m := req.Session, req.Member
	if sess.Stage != gatehouse.StageSecondFactor {
		return nil, gatehouse.Errorf(gatehouse.Forbidden, op, "This sign-in does not need a second factor.")
	}
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	if err := s.Factors.Wait(ctx, &set, m, req.Client); err != nil {
		return nil, err
	}
	if err := s.adminMayUse(ctx, &set, sess, m, req.Method, req.Client); err != nil {
		return nil, err
	}
	details := map[string]string{"method": req.Method}
	var sc *gatehouse.SentCode // the code that came back, for twofactor.MethodCode
	switch req.Method {
	case twofactor.MethodCode:
		sc, err = s.Factors.CheckCode(ctx, &set, sess, m, gatehouse.CodeSignIn, req.Code, req.Client)
		if sc != nil {
			details["channel"] = string(sc.Channel)
		}
	case twofactor.MethodApp:
		err = s.Factors.CheckApp(ctx, m, req.Code, req.Client)
	case twofactor.MethodPasskey:
		if s.Passkeys == nil {
			return nil, gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "method", Code: "invalid", Message: "Choose how to prove it is you."})
		}
		err = s.Passkeys.CheckSecondFactor(ctx, sess, m, req.Response, req.Client)
		if gatehouse.IsCode(err, gatehouse.Unauthorized) {
			if ferr := s.Factors.Failed(ctx, m, req.Client, twofactor.MethodPasskey, "refused"); ferr != nil {
				return nil, ferr
			}
		}
	case twofactor.MethodRecovery:
		var left int
		left, err = s.Factors.CheckRecovery(ctx, m, req.Code, req.Client)
		if err == nil {
			details["left"] = itoa(left)
		}
	default:
		return nil, gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "method", Code: "invalid", Message: "Choose how to prove it is you."})
	}
	if err != nil {
		return nil, err
	}
	if err := s.Counters.Reset(ctx, gatehouse.SecondFactorKey(m)); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	// A code that came back by SMS proves the number before the factors
	// are weighed, so that it counts from this sign-in on.
	if err := s.Factors.SMSCameBack(ctx, m, sc, req.Client); err != nil {
		return nil, err
	}

	now := s.now()
	res := &VerifyResult{}
	if res.Stage, err = s.stageAfterProof(ctx, m, &set, now); err != nil {
		return nil, err
	}
	details["stage"] = string(res.Stage)
	var device string
	// A browser is trusted only on a factor that counts: not on the code that
	// lets an administrator go on to set one up.
	if days := set.TrustDays(m); req.Trust && days > 0 && res.Stage != gatehouse.StageSetupSecondFactor {
		if device, res.DeviceCookie, err = s.Factors.NewDeviceToken(ctx); err != nil {
			return nil, err
		}
		res.DeviceMaxAge = time.Duration(days) * 24 * time.Hour
	}
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		var err error
		if res.SessionToken, err = session.Rotate(ctx, tx, sess, res.Stage, &set, s.now(), s.rand()); err != nil {
			return err
		}
		if err := session.RecordSignIn(ctx, tx, m, res.Stage, now); err != nil {
			return err
		}
		if device != "" {
			if err := s.Factors.TrustDevice(ctx, tx, &set, m, device, req.Client); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, event(gatehouse.EventCodeVerified, m.OrgID, gatehouse.MemberActor(m), m.ID, req.Client, details))
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// StartSecondFactor sends the first code of a sign-in that needs a second
// factor, unless the member has an authenticator app (offered first instead).
// A failure to send does not fail the sign-in: the page shows the state and
// lets the member ask again or choose another channel.
func (s *Service) StartSecondFactor(ctx context.Context, set *gatehouse.Settings, sess *gatehouse.Session, m *gatehouse.Member, c gatehouse.Client) {
	f, err := s.memberFactors(ctx, set, m)
	if err != nil {
		return
	}
	// An administrator who has a factor that counts is sent nothing that
	// does not (adminfactor.go); one who has none may prove any to set one up.
	restricted := set.AdminSecondFactor(m) && f.counts(set, m)
	may := func(method string, ch gatehouse.Channel) bool { return !restricted || methodCounts(set, m, method, ch) }
	if f.app && may(twofactor.MethodApp, "") || f.passkeys > 0 && may(twofactor.MethodPasskey, "") {
		return // the app or a passkey is offered first
	}
	var ch gatehouse.Channel
	var to string
	switch {
	case f.sms && may(twofactor.MethodCode, gatehouse.ChannelSMS):
		ch, to = gatehouse.ChannelSMS, m.Mobile
	case f.email && may(twofactor.MethodCode, gatehouse.ChannelEmail):
		ch, to = gatehouse.ChannelEmail, m.ContactEmail()
	default:
		return // nowhere to send it; the page says so
	}
	if _, err := s.Factors.SendCode(ctx, set, sess, m, gatehouse.CodeSignIn, ch, to, c); err != nil && !gatehouse.IsCode(err, gatehouse.Throttled) {
		s.log().ErrorContext(ctx, "sending the first sign-in code", "member", m.ID, "err", err)
	}
}
