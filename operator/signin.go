package operator

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// Throttle of operator sign-ins: after signinFreeFailures failures for one
// username, or twice that from one address, within signinWindow, sign-ins are
// refused until the window ends. An operator sees every organization's owners:
// their accounts are guarded harder than a member's.
const (
	signinFreeFailures = 5
	signinWindow       = 15 * time.Minute
)

func signinUserKey(username string) string {
	return "operator:signin:user:" + gatehouse.NormalizeIdentifier(username)
}
func signinIPKey(ip string) string { return "operator:signin:ip:" + ip }

// ErrSignIn is the one answer to a wrong username, password or code, so that
// none of them can be told apart.
var ErrSignIn = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "operator.SignIn",
	Message: "The username, password or code is not right."}

// SignInRequest is an operator's sign-in: always the password and a code of
// the authenticator app together.
type SignInRequest struct {
	Username string
	Password string
	Code     string
	Client   gatehouse.Client
}

// SignIn checks the operator's password and app code and starts a session; it
// returns the session and the secret for its cookie.
func (s *Service) SignIn(ctx context.Context, req SignInRequest) (*Session, string, error) {
	const op = "operator.SignIn"
	now := s.now()
	keys := []struct {
		key  string
		free int
	}{{signinUserKey(req.Username), signinFreeFailures}, {signinIPKey(req.Client.IP), 2 * signinFreeFailures}}
	for _, k := range keys {
		c, err := s.Counters.Peek(ctx, k.key, now)
		if err != nil {
			return nil, "", gatehouse.Wrap(op, err)
		}
		if c.Count >= k.free {
			wait := c.First.Add(signinWindow).Sub(now)
			return nil, "", &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: int(wait/time.Second) + 1,
				Message: "Too many failed sign-ins. Wait a few minutes and try again."}
		}
	}
	fail := func(o *Operator, why string) error {
		for _, k := range keys {
			if _, err := s.Counters.Incr(ctx, k.key, now, signinWindow, false); err != nil {
				return gatehouse.Wrap(op, err)
			}
		}
		target := ""
		if o != nil {
			target = o.ID
		}
		e := s.entry(gatehouse.Actor{Kind: gatehouse.ActorOperator, Name: strings.TrimSpace(req.Username)}, req.Client, ActionSignInFailed, "", target, "", "", why)
		if err := s.Log.AppendOperatorLog(ctx, e); err != nil {
			return gatehouse.Wrap(op, err)
		}
		return ErrSignIn
	}
	o, err := s.Accounts.OperatorByUsername(ctx, strings.TrimSpace(req.Username))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		if err := s.Hasher.Dummy(ctx, req.Password); err != nil && gatehouse.IsCode(err, gatehouse.Unavailable) {
			return nil, "", err
		}
		return nil, "", fail(nil, "unknown username")
	}
	if err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	if o.State != StateActive || o.PasswordHash == "" {
		if err := s.Hasher.Dummy(ctx, req.Password); err != nil && gatehouse.IsCode(err, gatehouse.Unavailable) {
			return nil, "", err
		}
		return nil, "", fail(o, "account "+string(o.State))
	}
	ok, _, err := s.Hasher.Verify(ctx, req.Password, o.PasswordHash)
	if err != nil && gatehouse.IsCode(err, gatehouse.Unavailable) {
		return nil, "", err
	}
	if !ok {
		return nil, "", fail(o, "wrong password")
	}
	step, ok, err := s.checkCode(ctx, o, req.Code)
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, "", fail(o, "wrong code")
	}
	if err := s.Accounts.UseTOTPStep(ctx, o.ID, step); err != nil {
		if gatehouse.IsCode(err, gatehouse.Conflict) {
			return nil, "", fail(o, "code used twice")
		}
		return nil, "", gatehouse.Wrap(op, err)
	}
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	sess := &Session{ID: gatehouse.NewID(s.rand()), TokenHash: hash, OperatorID: o.ID, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(s.idle()), ExpiresAt: now.Add(s.lifetime()), IP: req.Client.IP, UserAgent: req.Client.UserAgent}
	if err := s.Accounts.CreateOperatorSession(ctx, sess); err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	if err := s.Counters.Reset(ctx, signinUserKey(req.Username)); err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	if err := s.Log.AppendOperatorLog(ctx, s.entry(o.Actor(), req.Client, ActionSignIn, "", o.ID, "", "", "")); err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	return sess, raw, nil
}

// ErrNoSession is the answer for a cookie that names no valid session.
var ErrNoSession = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "operator.Session", Message: "Sign in to the service desk."}

// Session returns the valid session of the cookie secret raw and its active
// operator, and records the activity (the idle timeout starts again).
func (s *Service) Session(ctx context.Context, raw string) (*Session, *Operator, error) {
	const op = "operator.Session"
	if !secret.ValidToken(raw) {
		return nil, nil, ErrNoSession
	}
	sess, err := s.Accounts.OperatorSession(ctx, secret.HashToken(raw))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil, ErrNoSession
	}
	if err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	now := s.now()
	if !sess.Valid(now) {
		return nil, nil, ErrNoSession
	}
	o, err := s.Accounts.Operator(ctx, sess.OperatorID)
	if err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	if o.State != StateActive {
		return nil, nil, ErrNoSession
	}
	// One write a minute at most, however busy the console.
	if now.Sub(sess.LastSeenAt) >= time.Minute {
		sess.LastSeenAt, sess.IdleExpiresAt = now, now.Add(s.idle())
		if err := s.Accounts.TouchOperatorSession(ctx, sess.ID, sess.LastSeenAt, sess.IdleExpiresAt); err != nil {
			return nil, nil, gatehouse.Wrap(op, err)
		}
	}
	return sess, o, nil
}

// SignOut ends the session.
func (s *Service) SignOut(ctx context.Context, sess *Session) error {
	return gatehouse.Wrap("operator.SignOut", s.Accounts.DeleteOperatorSession(ctx, sess.ID))
}
