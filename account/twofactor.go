package account

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
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

// Methods of proving the second factor.
const (
	MethodCode     = "code"     // a code sent by SMS or email
	MethodApp      = "app"      // an authenticator app (TOTP)
	MethodRecovery = "recovery" // a single-use recovery code
)

// FieldCode is the form field of every code: sent, app or recovery.
const FieldCode = "code"

// Throttling of wrong second-factor answers (codes, app codes and recovery
// codes alike), on top of the five wrong tries that kill one sent code: after
// this many failures for a member, or from one address, each further try
// waits twice as long as the last, up to signin_max_delay.
const (
	secondFactorFreeAttempts        = 10
	secondFactorAddressFreeAttempts = 30
)

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
		a, err := s.authenticator(ctx, m)
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

// pendingTTL is how long a session waiting for a second factor lives: longer
// than a code, so that a code that expired can be replaced without starting
// over with the password.
func pendingTTL(set *gatehouse.Settings) time.Duration {
	return pendingSessionTTL + set.TwoFactorCodeTTL
}

// Delivery says where the message carrying a code stands, for the member.
type Delivery string

// Deliveries.
const (
	DeliveryQueued  Delivery = "queued"  // not sent yet
	DeliverySent    Delivery = "sent"    // handed to the provider
	DeliveryDelayed Delivery = "delayed" // an attempt failed; it will be retried
	DeliveryFailed  Delivery = "failed"  // given up: a wrong number, a refused address
)

// CodeStatus describes the code sent for a session, masked for the page.
type CodeStatus struct {
	Channel   gatehouse.Channel
	To        string // masked: "•••• 1234", "a•••@example.com"
	ExpiresAt time.Time
	Expired   bool
	Dead      bool // five wrong tries
	Used      bool
	TriesLeft int
	Delivery  Delivery
}

// SecondFactorOptions is what the second-factor page offers a member.
type SecondFactorOptions struct {
	Passkeys      int    // the member's passkeys
	App           bool   // a confirmed authenticator app
	RecoveryCodes int    // unused recovery codes
	SMS           string // the masked mobile number, "" when there is none
	Email         string // the masked email address, "" when email may not carry codes
	// Code is the code sent for this sign-in; nil when none was sent.
	Code *CodeStatus
	// ResendIn is how long until another code may be sent (the cooldown).
	ResendIn time.Duration
	// TrustDays is how long a browser may be trusted; 0 when never.
	TrustDays int
	// AdminMethods, when not "", names the only methods that count for this
	// administrator ("an authenticator app or a passkey"); unless SetUpNext,
	// the others are not offered.
	AdminMethods string
	// SetUpNext: this administrator has no factor that counts for them and
	// will set one up once this step is passed with any factor they have.
	SetUpNext bool
}

// Default is the method the page shows first: a passkey, else the app, when
// the member has one.
func (o *SecondFactorOptions) Default() string {
	if o.Passkeys > 0 {
		return MethodPasskey
	}
	if o.App {
		return MethodApp
	}
	return MethodCode
}

// CanSend reports whether any channel can carry a code.
func (o *SecondFactorOptions) CanSend() bool { return o.SMS != "" || o.Email != "" }

// SecondFactorOptions returns what the member may use to complete a sign-in at
// the second-factor stage, and the state of the code sent for it.
func (s *Service) SecondFactorOptions(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member) (*SecondFactorOptions, error) {
	set, a, left, err := s.factors(ctx, "account.SecondFactorOptions", m)
	if err != nil {
		return nil, err
	}
	o := &SecondFactorOptions{App: a.Confirmed(), RecoveryCodes: left, TrustDays: set.TrustDays(m)}
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
	if o.Code, err = s.codeStatus(ctx, sess, gatehouse.CodeSignIn); err != nil {
		return nil, err
	}
	if o.ResendIn, err = s.sendCooldown(ctx, &set, m); err != nil {
		return nil, err
	}
	return o, nil
}

// VerifyRequest is the answer to the second-factor page.
type VerifyRequest struct {
	Session *gatehouse.Session
	Member  *gatehouse.Member
	Method  string // MethodCode, MethodApp, MethodRecovery or MethodPasskey
	Code    string // as typed
	// Response is the browser's passkey assertion (JSON), for MethodPasskey.
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
	const op = "account.VerifySecondFactor"
	sess, m := req.Session, req.Member
	if sess.Stage != gatehouse.StageSecondFactor {
		return nil, gatehouse.Errorf(gatehouse.Forbidden, op, "This sign-in does not need a second factor.")
	}
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	if err := s.secondFactorWait(ctx, &set, m, req.Client); err != nil {
		return nil, err
	}
	if err := s.adminMayUse(ctx, &set, sess, m, req.Method, req.Client); err != nil {
		return nil, err
	}
	details := map[string]string{"method": req.Method}
	var sc *gatehouse.SentCode // the code that came back, for MethodCode
	switch req.Method {
	case MethodCode:
		sc, err = s.checkCode(ctx, &set, sess, m, gatehouse.CodeSignIn, req.Code, req.Client)
		if sc != nil {
			details["channel"] = string(sc.Channel)
		}
	case MethodApp:
		err = s.checkApp(ctx, m, req.Code, req.Client)
	case MethodPasskey:
		if s.Passkeys == nil {
			return nil, gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "method", Code: "invalid", Message: "Choose how to prove it is you."})
		}
		err = s.Passkeys.CheckSecondFactor(ctx, sess, m, req.Response, req.Client)
		if gatehouse.IsCode(err, gatehouse.Unauthorized) {
			if ferr := s.secondFactorFailed(ctx, m, req.Client, MethodPasskey, "refused"); ferr != nil {
				return nil, ferr
			}
		}
	case MethodRecovery:
		var left int
		left, err = s.checkRecovery(ctx, m, req.Code, req.Client)
		if err == nil {
			details["left"] = itoa(left)
		}
	default:
		return nil, gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "method", Code: "invalid", Message: "Choose how to prove it is you."})
	}
	if err != nil {
		return nil, err
	}
	if err := s.Counters.Reset(ctx, secondFactorKey(m)); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	// A code that came back by SMS proves the number before the factors
	// are weighed, so that it counts from this sign-in on.
	if err := s.smsCameBack(ctx, m, sc, req.Client); err != nil {
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
		if device, res.DeviceCookie, err = s.newDeviceToken(ctx); err != nil {
			return nil, err
		}
		res.DeviceMaxAge = time.Duration(days) * 24 * time.Hour
	}
	err = s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		var err error
		if res.SessionToken, err = s.rotateSession(ctx, tx, sess, res.Stage, &set); err != nil {
			return err
		}
		if err := recordSignIn(ctx, tx, m, res.Stage, now); err != nil {
			return err
		}
		if device != "" {
			if err := s.trustDevice(ctx, tx, &set, m, device, req.Client); err != nil {
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
	if f.app && may(MethodApp, "") || f.passkeys > 0 && may(MethodPasskey, "") {
		return // the app or a passkey is offered first
	}
	var ch gatehouse.Channel
	var to string
	switch {
	case f.sms && may(MethodCode, gatehouse.ChannelSMS):
		ch, to = gatehouse.ChannelSMS, m.Mobile
	case f.email && may(MethodCode, gatehouse.ChannelEmail):
		ch, to = gatehouse.ChannelEmail, m.ContactEmail()
	default:
		return // nowhere to send it; the page says so
	}
	if _, err := s.sendCode(ctx, set, sess, m, gatehouse.CodeSignIn, ch, to, c); err != nil && !gatehouse.IsCode(err, gatehouse.Throttled) {
		s.log().ErrorContext(ctx, "sending the first sign-in code", "member", m.ID, "err", err)
	}
}

// secondFactorKey and secondFactorAddressKey name the counters of wrong answers.
func secondFactorKey(m *gatehouse.Member) string {
	return "2fa:fail:member:" + m.OrgID + ":" + m.ID
}

func secondFactorAddressKey(orgID string, c gatehouse.Client) string {
	return "2fa:fail:addr:" + orgID + ":" + addressKey(c.IP)
}

// secondFactorWait refuses a try while the member or the address must wait.
func (s *Service) secondFactorWait(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, c gatehouse.Client) error {
	const op = "account.secondFactorWait"
	now := s.now()
	a, err := s.Counters.Peek(ctx, secondFactorKey(m), now)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	b, err := s.Counters.Peek(ctx, secondFactorAddressKey(m.OrgID, c), now)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	d := max(wait(a, secondFactorFreeAttempts, set.SigninMaxDelay, now),
		wait(b, secondFactorAddressFreeAttempts, set.SigninMaxDelay, now))
	if d > 0 {
		return &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: retrySeconds(d),
			Message: "Too many wrong codes. Wait " + humanWait(d) + " and try again."}
	}
	return nil
}

// secondFactorFailed counts and audits a wrong answer.
func (s *Service) secondFactorFailed(ctx context.Context, m *gatehouse.Member, c gatehouse.Client, method, reason string) error {
	const op = "account.secondFactorFailed"
	now := s.now()
	if _, err := s.Counters.Incr(ctx, secondFactorKey(m), now, failureMemory, true); err != nil {
		return gatehouse.Wrap(op, err)
	}
	if _, err := s.Counters.Incr(ctx, secondFactorAddressKey(m.OrgID, c), now, failureMemory, true); err != nil {
		return gatehouse.Wrap(op, err)
	}
	return s.audit(ctx, s.Store, event(gatehouse.EventCodeFailed, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
		map[string]string{"method": method, "reason": reason}))
}

// digitsOnly returns a typed numeric code without the spaces and dashes people
// add, and whether it has n digits.
func digitsOnly(typed string, n int) (string, bool) {
	var b strings.Builder
	for _, r := range typed {
		switch {
		case r == ' ' || r == '-' || r == '\t':
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			return "", false
		}
		if b.Len() > n {
			return "", false
		}
	}
	return b.String(), b.Len() == n
}

func codeField(code, msg string) gatehouse.FieldError {
	return gatehouse.FieldError{Field: FieldCode, Code: code, Message: msg}
}
