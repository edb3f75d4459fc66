package signin

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/session"
)

// ErrWrongCredentials is the one answer to every failed sign-in, whether the
// account exists or not, so that the answer reveals nothing.
var ErrWrongCredentials = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "signin.SignIn", Message: "Wrong username or password."}

// admitter is a hasher that can turn a caller away before the caller's other
// work when hashing is saturated (secret.Hasher.Admit), so that a flood of
// sign-ins is shed at the door instead of queueing for the database.
type admitter interface {
	Admit() (release func(), err error)
}

// SignInRequest is a password sign-in.
type SignInRequest struct {
	OrgID      string
	Identifier string // username, personal email or work email
	Password   string // exactly as typed
	// DeviceToken is the browser's trusted-browser cookie ("" when none): a
	// browser trusted for this member skips the second factor (S12).
	DeviceToken string
	Client      gatehouse.Client
}

// SignInResult is a successful password check: a new session whose Stage says
// whether the member is signed in or must complete another step first.
type SignInResult struct {
	Token   string // the session secret for the cookie; shown once
	Session *gatehouse.Session
	Member  *gatehouse.Member
}

// SignIn checks an identifier and password and starts a session. Every failure
// gives ErrWrongCredentials after comparable work, or a Throttled error.
func (s *Service) SignIn(ctx context.Context, req SignInRequest) (*SignInResult, error) {
	const op = "signin.SignIn"
	if err := s.orgOpen(ctx, op, req.OrgID); err != nil {
		return nil, err
	}
	now := s.now()
	set, err := s.Settings(ctx, req.OrgID)
	if err != nil {
		return nil, err
	}
	var fields []gatehouse.FieldError
	if req.Identifier == "" {
		fields = append(fields, gatehouse.FieldError{Field: "identifier", Code: "required", Message: "Enter your username or email address."})
	}
	if req.Password == "" {
		fields = append(fields, gatehouse.FieldError{Field: "password", Code: "required", Message: "Enter your password."})
	}
	if len(fields) > 0 {
		return nil, gatehouse.InvalidFields(op, fields...)
	}
	if a, ok := s.Hasher.(admitter); ok {
		release, err := a.Admit()
		if err != nil {
			return nil, err
		}
		defer release()
	}
	tooLong := len(req.Identifier) > gatehouse.MaxIdentifierLength || len(req.Password) > gatehouse.MaxPasswordBytes ||
		gatehouse.Storable(req.Identifier) != req.Identifier

	var m *gatehouse.Member
	floor := 0
	if !tooLong {
		m, err = s.resolve(ctx, req.OrgID, req.Identifier)
		if err != nil {
			return nil, err
		}
		if floor, err = s.Store.LegacyBcryptCost(ctx, req.OrgID); err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
	}
	memberID := ""
	if m != nil {
		memberID = m.ID
	}
	keys := account.NewSignInKeys(req.OrgID, memberID, req.Identifier, req.Client.IP)
	state, err := s.Steps.ReadSignInThrottle(ctx, &set, keys, now)
	if err != nil {
		return nil, err
	} else if state.Visible > 0 {
		return nil, account.Throttled(op, state.Visible)
	}

	ok, rehash, reason, hash := false, false, "unknown_account", ""
	switch {
	case tooLong:
		reason = "input_too_long"
	case m == nil || m.PasswordHash == "":
		if m != nil {
			reason = "no_password"
		}
	default:
		hash = m.PasswordHash
		ok, rehash, err = s.Hasher.Verify(ctx, req.Password, hash)
		if err != nil && gatehouse.IsCode(err, gatehouse.Unavailable) {
			return nil, err
		}
		if err != nil {
			s.log().ErrorContext(ctx, "verifying a stored password hash", "member", m.ID, "err", err)
			ok = false
		}
		reason = "wrong_password"
		if ok {
			if st := m.EffectiveState(now); st != gatehouse.StateActive {
				ok, reason = false, "account_"+string(st)
			}
		}
	}
	if !tooLong {
		// Whatever was verified, or nothing, the same hashing in the end: an
		// unknown name, an imported bcrypt hash and a current one cost alike.
		if err := s.Hasher.Pad(ctx, req.Password, hash, floor); err != nil {
			return nil, err
		}
	}
	if ok && state.Account > 0 {
		// The account is over its limit, perhaps through another of its
		// identifiers: even the right password is refused, with the answer of a
		// wrong one, so that nobody learns that the identifiers belong together.
		ok, reason = false, "account_throttled"
	}
	if !ok {
		return nil, s.failSignIn(ctx, &set, req, m, reason, keys, now)
	}

	// A success forgets the account's failures and those of the identifier
	// typed. Most sign-ins follow none, and then there is nothing to forget:
	// no write.
	for _, c := range []struct {
		key   string
		count int
	}{{keys.Account, state.AccountFailures}, {keys.Name, state.NameFailures}} {
		if c.count > 0 {
			if err := s.Counters.Reset(ctx, c.key); err != nil {
				return nil, gatehouse.Wrap(op, err)
			}
		}
	}
	if rehash {
		s.rehash(ctx, m, req.Password)
	}
	stage, device, err := s.stageAfterPassword(ctx, m, &set, now, req.DeviceToken)
	if err != nil {
		return nil, err
	}
	details := map[string]string{}
	return s.begin(ctx, &set, m, stage, req.Client, details, func(tx Tx) error {
		if device == nil {
			return nil
		}
		details["trusted_device"] = device.ID
		if err := tx.TouchTrustedDevice(ctx, device.ID, now, req.Client.IP, truncate(req.Client.UserAgent, 256)); err != nil {
			return gatehouse.Wrap(op, err)
		}
		return nil
	})
}

// begin starts the session a sign-in earned, at stage: the session, the
// record of the sign-in, extra (nil: nothing) and the audit event with
// details are written in one transaction, so that if the database goes away
// in between no session is left that nobody was given. When the second
// factor comes next, its first code is sent.
func (s *Service) begin(ctx context.Context, set *gatehouse.Settings, m *gatehouse.Member, stage gatehouse.Stage, c gatehouse.Client, details map[string]string, extra func(tx Tx) error) (*SignInResult, error) {
	now := s.now()
	var token string
	var sess *gatehouse.Session
	err := s.Tx.Tx(ctx, func(tx Tx) error {
		var err error
		if token, sess, err = session.Start(ctx, tx, m, set, stage, c, now, s.rand()); err != nil {
			return err
		}
		if err := session.RecordSignIn(ctx, tx, m, stage, now); err != nil {
			return err
		}
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		details["stage"] = string(stage)
		return s.audit(ctx, tx, event(gatehouse.EventSignIn, m.OrgID, gatehouse.MemberActor(m), m.ID, c, details))
	})
	if err != nil {
		return nil, err
	}
	if stage == gatehouse.StageSecondFactor {
		s.StartSecondFactor(ctx, set, sess, m, c)
	}
	return &SignInResult{Token: token, Session: sess, Member: m}, nil
}

// failSignIn counts, audits and answers a failed sign-in. An identifier that
// names no member is recorded redacted (RedactIdentifier): it may be the
// password, typed into the wrong field.
func (s *Service) failSignIn(ctx context.Context, set *gatehouse.Settings, req SignInRequest, m *gatehouse.Member, reason string, keys account.SignInKeys, now time.Time) error {
	delay, err := s.Steps.CountSignInFailure(ctx, set, keys, now)
	if err != nil {
		return err
	}
	// Redacted whether or not it is needed, so that both outcomes do the same.
	redacted, err := s.Steps.RedactIdentifier(ctx, req.Identifier)
	if err != nil {
		return err
	}
	actor, memberID, identifier := gatehouse.Anonymous(redacted), "", redacted
	if m != nil {
		actor, memberID, identifier = gatehouse.MemberActor(m), m.ID, truncate(req.Identifier, 64)
	}
	e := event(gatehouse.EventSignInFailed, req.OrgID, actor, memberID, req.Client,
		map[string]string{"reason": reason, "identifier": identifier})
	if err := s.audit(ctx, s.Store, e); err != nil {
		return err
	}
	if delay > 0 {
		e := event(gatehouse.EventSignInThrottled, req.OrgID, actor, memberID, req.Client,
			map[string]string{"delay": delay.String(), "identifier": identifier})
		if err := s.audit(ctx, s.Store, e); err != nil {
			return err
		}
	}
	return ErrWrongCredentials
}

// resolve finds the one member an identifier names: the member with that username,
// or else the only member with that email address. An address shared by several
// accounts names none of them.
func (s *Service) resolve(ctx context.Context, orgID, identifier string) (*gatehouse.Member, error) {
	ms, err := s.Store.MembersByIdentifier(ctx, orgID, identifier, 3)
	if err != nil {
		return nil, gatehouse.Wrap("signin.resolve", err)
	}
	norm := gatehouse.NormalizeIdentifier(identifier)
	for _, m := range ms {
		if gatehouse.NormalizeIdentifier(m.Username) == norm {
			return m, nil
		}
	}
	if len(ms) == 1 {
		return ms[0], nil
	}
	return nil, nil
}

// rehash replaces a hash with weaker parameters (or an imported bcrypt hash) after
// a successful sign-in. A failure is logged, not fatal: the old hash still works.
// It writes the hash only, and only while the row still holds the hash that
// was verified: a password changed since (the member's own, or an
// administrator's) is not replaced by the one just typed.
func (s *Service) rehash(ctx context.Context, m *gatehouse.Member, password string) {
	const op = "signin.rehash"
	h, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		s.log().WarnContext(ctx, "rehashing a password", "member", m.ID, "err", err)
		return
	}
	replaced := false
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		fresh, err := gatehouse.LockMemberFor(ctx, tx, op, m.OrgID, m.ID)
		if err != nil {
			return err
		}
		if fresh.PasswordHash != m.PasswordHash {
			return nil
		}
		if err := tx.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{PasswordHash: &h, UpdatedAt: s.now()}); err != nil {
			return gatehouse.Wrap(op, err)
		}
		replaced = true
		return s.audit(ctx, tx, event(gatehouse.EventPasswordRehashed, m.OrgID, gatehouse.SystemActor(m.OrgID), m.ID, gatehouse.Client{}, nil))
	})
	if err != nil {
		s.log().WarnContext(ctx, "storing a rehashed password", "member", m.ID, "err", err)
		return
	}
	if replaced {
		m.PasswordHash = h
	}
}
