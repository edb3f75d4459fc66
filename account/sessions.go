package account

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// startSession creates a session for m at stage through st and returns its secret.
func (s *Service) startSession(ctx context.Context, st gatehouse.Store, m *gatehouse.Member, set *gatehouse.Settings, stage gatehouse.Stage, c gatehouse.Client) (string, *gatehouse.Session, error) {
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return "", nil, gatehouse.Wrap("account.startSession", err)
	}
	now := s.now()
	sess := &gatehouse.Session{
		ID: gatehouse.NewID(s.rand()), TokenHash: hash, OrgID: m.OrgID, MemberID: m.ID, Stage: stage,
		CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(set.SessionIdleTimeout), ExpiresAt: now.Add(set.SessionAbsoluteTimeout),
		IP: c.IP, UserAgent: truncate(c.UserAgent, 256),
	}
	switch stage {
	case gatehouse.StageActive:
	case gatehouse.StageSecondFactor:
		sess.IdleExpiresAt, sess.ExpiresAt = now.Add(pendingTTL(set)), now.Add(pendingTTL(set))
	default:
		sess.IdleExpiresAt, sess.ExpiresAt = now.Add(pendingSessionTTL), now.Add(pendingSessionTTL)
	}
	if err := st.CreateSession(ctx, sess); err != nil {
		return "", nil, gatehouse.Wrap("account.startSession", err)
	}
	return raw, sess, nil
}

// rotateSession gives sess a new secret through tx at a change of privilege (a
// second factor proven, a password renewed or changed) and moves it to stage;
// it returns the secret for the cookie. The old secret stops working when tx
// commits, so that a secret someone planted or saw before the change is worth
// nothing after it. A session that becomes active starts its timeouts afresh,
// as at sign-in; one that stays active keeps its absolute end. A session that
// has ended, or that a concurrent request rotated first, gives ErrNoSession.
func (s *Service) rotateSession(ctx context.Context, tx gatehouse.Store, sess *gatehouse.Session, stage gatehouse.Stage, set *gatehouse.Settings) (string, error) {
	const op = "account.rotateSession"
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	now := s.now()
	next := *sess
	next.TokenHash, next.Stage, next.LastSeenAt = hash, stage, now
	switch {
	case stage == gatehouse.StageActive && sess.Stage == gatehouse.StageActive:
		next.IdleExpiresAt = now.Add(set.SessionIdleTimeout)
		if next.IdleExpiresAt.After(next.ExpiresAt) {
			next.IdleExpiresAt = next.ExpiresAt
		}
	case stage == gatehouse.StageActive:
		next.IdleExpiresAt, next.ExpiresAt = now.Add(set.SessionIdleTimeout), now.Add(set.SessionAbsoluteTimeout)
	default:
		next.IdleExpiresAt, next.ExpiresAt = now.Add(pendingSessionTTL), now.Add(pendingSessionTTL)
	}
	if err := tx.RotateSession(ctx, &next, sess.TokenHash); err != nil {
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			return "", ErrNoSession
		}
		return "", gatehouse.Wrap(op, err)
	}
	*sess = next
	return raw, nil
}

// touchEvery is how stale LastSeenAt may get before a request writes it again:
// it keeps session checks read-only in the common case.
const touchEvery = time.Minute

// ErrNoSession is the answer for a missing, unknown or expired session.
var ErrNoSession = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "account.Authenticate", Message: "You are not signed in."}

// Authenticate returns the session and member for a session secret from a cookie
// sent to the organization orgID, at any stage; callers check Stage. A session
// of another organization's member is no session here. It refreshes the idle
// timeout.
func (s *Service) Authenticate(ctx context.Context, orgID, token string) (*gatehouse.Session, *gatehouse.Member, error) {
	if !secret.ValidToken(token) {
		return nil, nil, ErrNoSession
	}
	sess, m, err := s.Store.SessionByToken(ctx, secret.HashToken(token))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil, ErrNoSession
	}
	if err != nil {
		return nil, nil, gatehouse.Wrap("account.Authenticate", err)
	}
	if orgID == "" || sess.OrgID != orgID || m.OrgID != orgID {
		return nil, nil, ErrNoSession
	}
	if err := s.orgOpen(ctx, "account.Authenticate", orgID); err != nil {
		return nil, nil, err
	}
	now := s.now()
	if !sess.Valid(now) || m.EffectiveState(now) != gatehouse.StateActive {
		return nil, nil, ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		idle := sess.IdleExpiresAt.Sub(sess.LastSeenAt)
		newIdle := now.Add(idle)
		if newIdle.After(sess.ExpiresAt) {
			newIdle = sess.ExpiresAt
		}
		if err := s.Store.TouchSession(ctx, sess.ID, now, newIdle); err != nil {
			return nil, nil, gatehouse.Wrap("account.Authenticate", err)
		}
		sess.LastSeenAt, sess.IdleExpiresAt = now, newIdle
	}
	return sess, m, nil
}

// SignOut ends the session.
func (s *Service) SignOut(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member, c gatehouse.Client) error {
	return s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		if err := tx.DeleteSession(ctx, sess.OrgID, sess.ID); err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
			return gatehouse.Wrap("account.SignOut", err)
		}
		return s.audit(ctx, tx, event(gatehouse.EventSignOut, m.OrgID, gatehouse.MemberActor(m), m.ID, c, nil))
	})
}

// Sessions lists the member's active sessions, newest first.
func (s *Service) Sessions(ctx context.Context, m *gatehouse.Member) ([]*gatehouse.Session, error) {
	list, err := s.Store.MemberSessions(ctx, m.OrgID, m.ID, s.now())
	if err != nil {
		return nil, gatehouse.Wrap("account.Sessions", err)
	}
	return list, nil
}

// EndSession ends one of the member's own sessions by its public id.
func (s *Service) EndSession(ctx context.Context, m *gatehouse.Member, sessionID string, c gatehouse.Client) error {
	const op = "account.EndSession"
	list, err := s.Store.MemberSessions(ctx, m.OrgID, m.ID, s.now())
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	for _, x := range list {
		if x.ID == sessionID {
			return s.Store.Tx(ctx, func(tx gatehouse.Store) error {
				if err := tx.DeleteSession(ctx, m.OrgID, x.ID); err != nil {
					return gatehouse.Wrap(op, err)
				}
				return s.audit(ctx, tx, event(gatehouse.EventSessionEnded, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
					map[string]string{"session": x.ID}))
			})
		}
	}
	return gatehouse.Errorf(gatehouse.NotFound, op, "That session has already ended.")
}

// EndOtherSessions ends every session of the member but the current one.
func (s *Service) EndOtherSessions(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member, c gatehouse.Client) (int, error) {
	var n int
	err := s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		var err error
		if n, err = tx.DeleteMemberSessions(ctx, m.OrgID, m.ID, sess.ID); err != nil {
			return gatehouse.Wrap("account.EndOtherSessions", err)
		}
		return s.audit(ctx, tx, event(gatehouse.EventSessionsRevoked, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"count": itoa(n), "scope": "others"}))
	})
	return n, err
}
