package recovery

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// The forgotten-password flow (S3-S7, S15-S22). A request always gets the same
// answer; whether an email goes out is decided here and told to nobody but the
// audit log. Both outcomes do the same work, in the same order, against the
// same tables (see RequestReset), so that neither the answer nor its timing
// tells an existing account from an unknown one.

// ResetRequestsPerAddressPerHour bounds forgotten-password requests from one
// client address (an IPv4 address or an IPv6 /64) in a fixed hour. It is high
// because offices share an address; the CAPTCHA and the per-account limit
// (setting reset_requests_per_hour) do the finer work. Requests beyond it get
// the usual answer and send nothing.
const ResetRequestsPerAddressPerHour = 30

// maxConfirmEmailFailures is how many wrong email addresses a reset page
// accepts (setting reset_confirm_email) before its link dies, so that the link
// cannot be used to guess the address.
const maxConfirmEmailFailures = 5

// ErrRecoveryDisabled answers every forgotten-password page while the
// organization has turned the flow off (S3): it does not exist.
var ErrRecoveryDisabled = &gatehouse.Error{Code: gatehouse.NotFound, Op: "recovery.recovery",
	Message: "This page does not exist."}

// errDiscard undoes the queueing work of a request that sends nothing.
var errDiscard = errors.New("account: nothing to send")

// ForgotPasswordForm returns what the forgotten-password page shows: the
// settings and the CAPTCHA widget (for the builtin kind, a fresh challenge).
func (s *Service) ForgotPasswordForm(ctx context.Context, orgID string) (gatehouse.Settings, gatehouse.CaptchaWidget, error) {
	if err := s.open(ctx, "recovery.ForgotPasswordForm", orgID); err != nil {
		return gatehouse.Settings{}, gatehouse.CaptchaWidget{}, err
	}
	set, err := s.Settings(ctx, orgID)
	if err != nil {
		return set, gatehouse.CaptchaWidget{}, err
	}
	if !set.ForgotPasswordEnabled {
		return set, gatehouse.CaptchaWidget{}, ErrRecoveryDisabled
	}
	w, err := s.captcha().Widget(ctx, orgID, &set)
	return set, w, err
}

func (s *Service) captcha() gatehouse.Captcha {
	if s.Captcha != nil {
		return s.Captcha
	}
	return noCaptcha{}
}

// noCaptcha stands in when no Captcha is wired: it refuses every answer unless
// the organization turned the CAPTCHA off, so a wiring mistake fails closed.
type noCaptcha struct{}

func (noCaptcha) Widget(ctx context.Context, orgID string, set *gatehouse.Settings) (gatehouse.CaptchaWidget, error) {
	return gatehouse.CaptchaWidget{Kind: set.Captcha, Misconfigured: set.Captcha != gatehouse.CaptchaOff}, nil
}

func (noCaptcha) Verify(ctx context.Context, orgID string, set *gatehouse.Settings, a gatehouse.CaptchaAnswer, c gatehouse.Client) error {
	if set.Captcha == gatehouse.CaptchaOff {
		return nil
	}
	return gatehouse.Errorf(gatehouse.Unavailable, "recovery.captcha", "The CAPTCHA is not available. Try again later.")
}

// ResetRequest is a forgotten-password request from the public form (S4).
type ResetRequest struct {
	OrgID      string
	Identifier string // username, personal email or work email
	Captcha    gatehouse.CaptchaAnswer
	Client     gatehouse.Client
}

// RequestReset handles a forgotten-password request. It returns nil whether or
// not an email was queued (S17); errors are only for a disabled flow, an empty
// identifier, a CAPTCHA that did not pass and a failing database.
//
// An email is queued only when the identifier names exactly one account (S18),
// that account is active, it is not an administrator or owner while
// reset_for_administrators is off (S22), it has asked fewer than
// reset_requests_per_hour times this hour, and the client address is within
// ResetRequestsPerAddressPerHour. A new link supersedes the older ones. The
// email goes to the address typed when it is one of the member's (personal or
// work), else (a username) to the contact address.
//
// Both outcomes do the same work: the same counters, the same lookup, a token
// and a rendered email, and one transaction that revokes, creates the token,
// queues the message and audits. When nothing may be sent, the queueing runs in
// a savepoint that is then rolled back, and the transaction commits the audit
// event only, so the database does the same statements and one commit either way.
func (s *Service) RequestReset(ctx context.Context, req ResetRequest) error {
	const op = "recovery.RequestReset"
	if err := s.open(ctx, op, req.OrgID); err != nil {
		return err
	}
	set, err := s.Settings(ctx, req.OrgID)
	if err != nil {
		return err
	}
	if !set.ForgotPasswordEnabled {
		return ErrRecoveryDisabled
	}
	if strings.TrimSpace(req.Identifier) == "" {
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "identifier", Code: "required", Message: "Enter your username or email address."})
	}
	if err := s.captcha().Verify(ctx, req.OrgID, &set, req.Captcha.For(set.Captcha), req.Client); err != nil {
		if gatehouse.IsCode(err, gatehouse.Invalid) {
			// The identifier is not looked up before the CAPTCHA passes: it is
			// recorded redacted, as one that names nobody would be.
			if redacted, rerr := s.Steps.RedactIdentifier(ctx, req.Identifier); rerr == nil {
				_ = s.audit(ctx, s.Store, event(gatehouse.EventCaptchaFailed, req.OrgID, gatehouse.Anonymous(redacted), "", req.Client,
					map[string]string{"form": "forgot_password", "reason": fieldCode(err, "captcha")}))
			}
		}
		return err
	}
	now := s.now()

	addr, err := s.Counters.Incr(ctx, "reset:addr:"+req.OrgID+":"+gatehouse.AddressKey(req.Client.IP), now, time.Hour, false)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	lookup := req.Identifier
	if len(lookup) > gatehouse.MaxIdentifierLength || gatehouse.Storable(lookup) != lookup {
		lookup = "@" // matches no username (no @) and no email (nothing before the @)
	}
	ms, err := s.Store.MembersByIdentifier(ctx, req.OrgID, lookup, 2)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	m, reason := resetEligible(ms, &set, now)
	key := "reset:name:" + req.OrgID + ":" + gatehouse.Truncate(gatehouse.NormalizeIdentifier(lookup), 256)
	if m != nil {
		key = "reset:member:" + req.OrgID + ":" + m.ID
	}
	acct, err := s.Counters.Incr(ctx, key, now, time.Hour, false)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	switch {
	case addr.Count > ResetRequestsPerAddressPerHour:
		m, reason = nil, "address_throttled"
	case m != nil && acct.Count > set.ResetRequestsPerHour:
		m, reason = nil, "too_many_requests"
	}

	// From here on both outcomes take the same path; only the end differs.
	// The identifier is redacted for every request, used or not, for that.
	redacted, err := s.Steps.RedactIdentifier(ctx, req.Identifier)
	if err != nil {
		return err
	}
	target, actor, memberID, identifier := m, gatehouse.Anonymous(redacted), "", redacted
	to := ""
	if m == nil {
		target = &gatehouse.Member{ID: gatehouse.NewID(s.rand()), OrgID: req.OrgID, Email: "nobody@gatehouse.invalid"}
		if len(ms) == 1 {
			actor, memberID, identifier = gatehouse.MemberActor(ms[0]), ms[0].ID, gatehouse.Truncate(req.Identifier, 64)
		}
	} else {
		actor, memberID = gatehouse.MemberActor(m), m.ID
		to = resetAddress(m, lookup)
	}
	if to == "" {
		to = target.ContactEmail()
	}
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	tok := &gatehouse.Token{Hash: hash, OrgID: req.OrgID, Purpose: gatehouse.PurposeReset, CreatedAt: now, ExpiresAt: now.Add(set.ResetLinkTTL), SentTo: to}
	if m != nil {
		tok.MemberID = m.ID
	}
	data := gatehouse.MessageData{Link: s.Steps.LinkIn(ctx, req.OrgID, "/reset-password", url.Values{"token": {raw}}), ValidFor: set.ResetLinkTTL, At: now, IP: req.Client.IP}
	ev := event(gatehouse.EventResetRequested, req.OrgID, actor, memberID, req.Client,
		map[string]string{"valid_for": gatehouse.FormatDuration(set.ResetLinkTTL)})
	if m == nil {
		ev = event(gatehouse.EventResetRefused, req.OrgID, actor, memberID, req.Client,
			map[string]string{"reason": reason, "identifier": identifier})
	}
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		err := s.Tx.Within(tx).Tx(ctx, func(tx Tx) error {
			if _, err := tx.RevokeTokens(ctx, req.OrgID, target.ID, gatehouse.PurposeReset, now); err != nil {
				return gatehouse.Wrap(op, err)
			}
			if err := tx.CreateToken(ctx, tok); err != nil {
				return gatehouse.Wrap(op, err)
			}
			if err := s.Steps.QueueEmailTo(ctx, tx, &set, target, to, gatehouse.KindReset, data); err != nil {
				return err
			}
			if m == nil {
				return errDiscard
			}
			return nil
		})
		if err != nil && err != errDiscard {
			return err
		}
		return s.audit(ctx, tx, ev)
	})
	if err != nil {
		return err
	}
	s.kick()
	return nil
}

// resetAddress returns where the reset email of m goes when identifier was
// typed (seed 000: "to the address provided"): the member's personal or work
// address that the identifier names, as stored; for a username, "" (the
// contact address).
func resetAddress(m *gatehouse.Member, identifier string) string {
	id := gatehouse.NormalizeIdentifier(identifier)
	switch {
	case m.Email != "" && gatehouse.NormalizeIdentifier(m.Email) == id:
		return m.Email
	case m.WorkEmail != "" && gatehouse.NormalizeIdentifier(m.WorkEmail) == id:
		return m.WorkEmail
	}
	return ""
}

// resetEligible returns the one member the identifier names who may get a
// reset email, or nil and the reason none may.
func resetEligible(ms []*gatehouse.Member, set *gatehouse.Settings, now time.Time) (*gatehouse.Member, string) {
	switch {
	case len(ms) == 0:
		return nil, "unknown_identifier"
	case len(ms) > 1:
		return nil, "ambiguous_identifier"
	}
	m := ms[0]
	switch st := m.EffectiveState(now); {
	case st != gatehouse.StateActive:
		return nil, "account_" + string(st)
	case m.Role.IsAdmin() && !set.ResetForAdministrators:
		return nil, "administrator"
	case m.ContactEmail() == "":
		return nil, "no_email"
	}
	return m, ""
}

// fieldCode returns the code of the first field error of err on field.
func fieldCode(err error, field string) string {
	var e *gatehouse.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			if f.Field == field {
				return f.Code
			}
		}
	}
	return string(gatehouse.ErrorCode(err))
}
