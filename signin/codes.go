package signin

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/twofactor"
)

// SendCodeRequest asks for a new sign-in code on a channel (S11: "Resend by
// SMS", "Resend by email"), or for the first one when the member has an
// authenticator app and chose a code instead.
type SendCodeRequest struct {
	Session *gatehouse.Session
	Member  *gatehouse.Member
	Channel gatehouse.Channel
	Client  gatehouse.Client
}

// SendSignInCode sends a fresh code that replaces the session's earlier one.
// The replacement keeps the count of wrong tries (unless the old code was dead),
// and sends are limited by two_factor_resend_cooldown and
// two_factor_sends_per_hour.
func (s *Service) SendSignInCode(ctx context.Context, req SendCodeRequest) error {
	const op = "signin.SendSignInCode"
	sess, m := req.Session, req.Member
	if sess.Stage != gatehouse.StageSecondFactor {
		return gatehouse.Errorf(gatehouse.Forbidden, op, "This sign-in does not need a code.")
	}
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	var to string
	switch req.Channel {
	case gatehouse.ChannelSMS:
		if to = m.Mobile; to == "" {
			return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "channel", Code: "no_mobile",
				Message: "You have no mobile number. Ask for the code by email, or ask your administrator to add your number."})
		}
		f, err := s.memberFactors(ctx, &set, m)
		if err != nil {
			return err
		}
		if !f.sms {
			return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "channel", Code: "unverified_mobile",
				Message: "Your mobile number is not verified yet, so sign-in codes do not go to it. Use another way."})
		}
	case gatehouse.ChannelEmail:
		if to = m.ContactEmail(); !set.TwoFactorEmail || to == "" {
			return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "channel", Code: "email_not_allowed",
				Message: "Your organization does not send sign-in codes by email."})
		}
	default:
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "channel", Code: "invalid", Message: "Choose SMS or email."})
	}
	if !methodCounts(&set, m, twofactor.MethodCode, req.Channel) {
		// An administrator who has a factor that counts for them is sent no
		// code that does not (adminfactor.go).
		f, err := s.memberFactors(ctx, &set, m)
		if err != nil {
			return err
		}
		if f.counts(&set, m) {
			_ = s.audit(ctx, s.Store, event(gatehouse.EventRequestRefused, m.OrgID, gatehouse.MemberActor(m), m.ID, req.Client,
				map[string]string{"action": "code_send", "channel": string(req.Channel), "reason": "not_allowed_for_administrators"}))
			return refuseMethod(op, "channel", &set)
		}
	}
	_, err = s.Factors.SendCode(ctx, &set, sess, m, gatehouse.CodeSignIn, req.Channel, to, req.Client)
	return err
}
