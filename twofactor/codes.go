package twofactor

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/outbox"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/session"
)

// Codes sent by SMS or email: six digits, stored as an HMAC under a server key
// (a copy of the table alone cannot be searched for them), one per session and
// purpose, expiring after two_factor_code_ttl, dead after five wrong tries.

// codeKeyName names the server key under which sent codes are hashed.
const codeKeyName = "second_factor_codes"

// addressSendFactor: one client address may make this many times the
// per-member hourly number of sends. Offices share an address, so it is
// generous; it stops one address from texting through a list of stolen
// passwords.
const addressSendFactor = 20

func sendMemberKey(m *gatehouse.Member) string { return "2fa:send:member:" + m.OrgID + ":" + m.ID }

func sendAddressKey(orgID string, c gatehouse.Client) string {
	return "2fa:send:addr:" + orgID + ":" + gatehouse.AddressKey(c.IP)
}

// SendCode makes a code for the session and purpose, stores its hash in place
// of the earlier one, queues the message that carries it and audits, in one
// transaction; then it counts the send against the member's and the address's
// limits. A sign-in session is kept alive as long as the code.
func (s *Service) SendCode(ctx context.Context, set *gatehouse.Settings, sess *gatehouse.Session, m *gatehouse.Member,
	purpose gatehouse.CodePurpose, ch gatehouse.Channel, to string, c gatehouse.Client) (*gatehouse.SentCode, error) {
	const op = "twofactor.SendCode"
	if err := s.checkSendQuota(ctx, set, m, c); err != nil {
		_ = s.audit(ctx, s.Store, event(gatehouse.EventRequestThrottled, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"action": "code_send", "purpose": string(purpose)}))
		return nil, err
	}
	now := s.now()
	code, err := secret.NewCode(s.rand(), gatehouse.CodeDigits)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	key, err := s.Store.ServerKey(ctx, codeKeyName, 32)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	sc := &gatehouse.SentCode{
		ID: gatehouse.NewID(s.rand()), OrgID: m.OrgID, MemberID: m.ID, SessionID: sess.ID, Purpose: purpose,
		Channel: ch, To: to, CreatedAt: now, ExpiresAt: now.Add(set.TwoFactorCodeTTL),
	}
	sc.Hash = secret.KeyedHash(key, sc.ID, code)
	sc.MessageID = s.Outbox.NewID()
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		if err := tx.SaveCode(ctx, sc, gatehouse.MaxCodeAttempts); err != nil {
			return gatehouse.Wrap(op, err)
		}
		if err := s.queueCode(ctx, tx, set, m, sc, code); err != nil {
			return err
		}
		if purpose == gatehouse.CodeSignIn {
			if end := now.Add(session.SecondFactorTTL(set)); end.After(sess.ExpiresAt) {
				sess.IdleExpiresAt, sess.ExpiresAt = end, end
				if err := tx.UpdateSession(ctx, sess); err != nil {
					return gatehouse.Wrap(op, err)
				}
			}
		}
		return s.audit(ctx, tx, event(gatehouse.EventCodeSent, m.OrgID, gatehouse.MemberActor(m), m.ID, c, map[string]string{
			"channel": string(ch), "purpose": string(purpose), "to": mask(ch, to), "message": sc.MessageID,
		}))
	})
	if err != nil {
		return nil, err
	}
	s.Outbox.Wake()
	if _, err := s.Counters.Incr(ctx, sendMemberKey(m), now, time.Hour, false); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if _, err := s.Counters.Incr(ctx, sendAddressKey(m.OrgID, c), now, time.Hour, false); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	return sc, nil
}

// queueCode queues through tx the message that carries a code, under the id
// sc.MessageID.
func (s *Service) queueCode(ctx context.Context, tx Tx, set *gatehouse.Settings, m *gatehouse.Member, sc *gatehouse.SentCode, code string) error {
	d := gatehouse.MessageData{MemberName: m.Name(), Username: m.Username,
		Code: code, ValidFor: set.TwoFactorCodeTTL, At: sc.CreatedAt}
	var err error
	switch {
	case sc.Channel == gatehouse.ChannelEmail:
		_, err = s.Outbox.Email(ctx, tx, set, outbox.Email{ID: sc.MessageID, OrgID: m.OrgID, MemberID: m.ID, To: sc.To, Kind: gatehouse.KindCode, Data: d})
	case sc.Purpose == gatehouse.CodeMobile:
		_, err = s.Outbox.Text(ctx, tx, set, outbox.Text{ID: sc.MessageID, OrgID: m.OrgID, MemberID: m.ID, To: sc.To, Kind: gatehouse.KindMobileCode, Data: d})
	default:
		_, err = s.Outbox.Text(ctx, tx, set, outbox.Text{ID: sc.MessageID, OrgID: m.OrgID, MemberID: m.ID, To: sc.To, Kind: gatehouse.KindSMSCode, Data: d})
	}
	return err
}

// checkSendQuota refuses a send within the cooldown after the member's last
// one, or beyond the hourly numbers of the member and of the address.
func (s *Service) checkSendQuota(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, c gatehouse.Client) error {
	const op = "twofactor.SendCode"
	now := s.now()
	mc, err := s.Counters.Peek(ctx, sendMemberKey(m), now)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	if d := cooldownLeft(set, mc, now); d > 0 {
		return &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: gatehouse.RetrySeconds(d),
			Message: "A code was sent a moment ago. Wait " + gatehouse.HumanWait(d) + " before asking for another."}
	}
	ac, err := s.Counters.Peek(ctx, sendAddressKey(m.OrgID, c), now)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	for _, x := range []struct {
		c   gatehouse.Counter
		cap int
	}{{mc, set.TwoFactorSendsPerHour}, {ac, set.TwoFactorSendsPerHour * addressSendFactor}} {
		if x.c.Count >= x.cap {
			d := x.c.First.Add(time.Hour).Sub(now)
			return &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: gatehouse.RetrySeconds(d),
				Message: "Too many codes have been sent in the last hour. Wait " + gatehouse.HumanWait(d) + ", or use another way to sign in."}
		}
	}
	return nil
}

func cooldownLeft(set *gatehouse.Settings, c gatehouse.Counter, now time.Time) time.Duration {
	if c.Count == 0 || set.TwoFactorResendCooldown <= 0 {
		return 0
	}
	if until := c.Last.Add(set.TwoFactorResendCooldown); until.After(now) {
		return until.Sub(now)
	}
	return 0
}

// SendCooldown returns how long until the member may be sent another code.
func (s *Service) SendCooldown(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member) (time.Duration, error) {
	now := s.now()
	c, err := s.Counters.Peek(ctx, sendMemberKey(m), now)
	if err != nil {
		return 0, gatehouse.Wrap("twofactor.SendCooldown", err)
	}
	return cooldownLeft(set, c, now), nil
}

// CheckCode checks a typed code against the session's code for the purpose. A
// wrong code counts against the code (five kill it) and against the member's
// and the address's throttles; the right one is used up.
func (s *Service) CheckCode(ctx context.Context, set *gatehouse.Settings, sess *gatehouse.Session, m *gatehouse.Member,
	purpose gatehouse.CodePurpose, typed string, c gatehouse.Client) (*gatehouse.SentCode, error) {
	const op = "twofactor.CheckCode"
	code, ok := digitsOnly(typed, gatehouse.CodeDigits)
	if !ok {
		return nil, gatehouse.InvalidFields(op, codeField("format", "Enter the 6-digit code we sent you."))
	}
	sc, err := s.Store.SessionCode(ctx, sess.OrgID, sess.ID, purpose)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, gatehouse.InvalidFields(op, codeField("not_sent", "No code has been sent yet. Ask for one below."))
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	now := s.now()
	if err := deadCodeError(op, sc, now); err != nil {
		return nil, err
	}
	key, err := s.Store.ServerKey(ctx, codeKeyName, 32)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	got, err := s.Store.TryCode(ctx, sc.ID, secret.KeyedHash(key, sc.ID, code), now, gatehouse.MaxCodeAttempts)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		// Replaced, used or killed by a concurrent request since it was read.
		return nil, gatehouse.InvalidFields(op, codeField("dead", "This code no longer works. Ask for a new one."))
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if !got.UsedAt.IsZero() {
		return got, nil
	}
	if err := s.Failed(ctx, m, c, MethodCode, "wrong_code"); err != nil {
		return nil, err
	}
	if left := gatehouse.MaxCodeAttempts - got.Attempts; left > 0 {
		msg := "That code is not right. You have " + itoa(left) + " more tries."
		if left == 1 {
			msg = "That code is not right. You have one more try."
		}
		return nil, gatehouse.InvalidFields(op, codeField("wrong", msg))
	}
	return nil, gatehouse.InvalidFields(op, codeField("dead", "That code is not right, and that was the last try: this code no longer works. Ask for a new one."))
}

// deadCodeError explains why a code can no longer be used, or returns nil.
func deadCodeError(op string, sc *gatehouse.SentCode, now time.Time) error {
	switch {
	case !sc.UsedAt.IsZero():
		return gatehouse.InvalidFields(op, codeField("used", "This code has already been used. Ask for a new one."))
	case sc.Attempts >= gatehouse.MaxCodeAttempts:
		return gatehouse.InvalidFields(op, codeField("dead", "Too many wrong tries: this code no longer works. Ask for a new one."))
	case !now.Before(sc.ExpiresAt):
		return gatehouse.InvalidFields(op, codeField("expired", "This code has expired. Ask for a new one."))
	}
	return nil
}

// SentCode describes the session's code for the purpose, nil when none.
func (s *Service) SentCode(ctx context.Context, sess *gatehouse.Session, purpose gatehouse.CodePurpose) (*CodeStatus, error) {
	const op = "twofactor.SentCode"
	sc, err := s.Store.SessionCode(ctx, sess.OrgID, sess.ID, purpose)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	now := s.now()
	st := &CodeStatus{
		Channel: sc.Channel, To: mask(sc.Channel, sc.To), ExpiresAt: sc.ExpiresAt,
		Expired: !now.Before(sc.ExpiresAt), Dead: sc.Attempts >= gatehouse.MaxCodeAttempts, Used: !sc.UsedAt.IsZero(),
		TriesLeft: max(gatehouse.MaxCodeAttempts-sc.Attempts, 0), Delivery: DeliveryQueued,
	}
	msg, err := s.Store.Message(ctx, sc.OrgID, sc.MessageID)
	switch {
	case gatehouse.IsCode(err, gatehouse.NotFound):
		st.Delivery = DeliverySent // cleaned up long after it was sent
	case err != nil:
		return nil, gatehouse.Wrap(op, err)
	case msg.Status == gatehouse.MessageSent:
		st.Delivery = DeliverySent
	case msg.Status == gatehouse.MessageFailed:
		st.Delivery = DeliveryFailed
	case msg.LastError != "":
		st.Delivery = DeliveryDelayed
	}
	return st, nil
}

// mask hides most of an address or number for pages and the audit log.
func mask(ch gatehouse.Channel, to string) string {
	if ch == gatehouse.ChannelSMS {
		return gatehouse.MaskPhone(to)
	}
	return gatehouse.MaskEmail(to)
}
