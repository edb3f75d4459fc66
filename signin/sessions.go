package signin

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/session"
)

// touchEvery is how stale LastSeenAt may get before a request writes it again:
// it keeps session checks read-only in the common case.
const touchEvery = time.Minute

// Authenticate returns the session and member for a session secret from a cookie
// sent to the organization orgID, at any stage; callers check Stage. A session
// of another organization's member is no session here. It refreshes the idle
// timeout.
func (s *Service) Authenticate(ctx context.Context, orgID, token string) (*gatehouse.Session, *gatehouse.Member, error) {
	if !secret.ValidToken(token) {
		return nil, nil, session.ErrNoSession
	}
	o, err := s.Store.Organization(ctx, orgID)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil, session.ErrNoSession
	}
	if err != nil {
		return nil, nil, gatehouse.Wrap("signin.Authenticate", err)
	}
	return s.AuthenticateIn(ctx, o, token)
}

// AuthenticateIn is Authenticate for a caller that has read the
// organization already, as the web server has for every request's Host:
// every session check would otherwise read it a second time.
func (s *Service) AuthenticateIn(ctx context.Context, o *gatehouse.Organization, token string) (*gatehouse.Session, *gatehouse.Member, error) {
	const op = "signin.Authenticate"
	if !secret.ValidToken(token) {
		return nil, nil, session.ErrNoSession
	}
	sess, m, err := s.Store.SessionByToken(ctx, secret.HashToken(token))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil, session.ErrNoSession
	}
	if err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	if o == nil || o.ID == "" || sess.OrgID != o.ID || m.OrgID != o.ID {
		return nil, nil, session.ErrNoSession
	}
	if err := gatehouse.RequireActiveOrg(op, o); err != nil {
		return nil, nil, err
	}
	now := s.now()
	if !sess.Valid(now) || m.EffectiveState(now) != gatehouse.StateActive {
		return nil, nil, session.ErrNoSession
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		idle := sess.IdleExpiresAt.Sub(sess.LastSeenAt)
		newIdle := now.Add(idle)
		if newIdle.After(sess.ExpiresAt) {
			newIdle = sess.ExpiresAt
		}
		if err := s.Store.TouchSession(ctx, sess.ID, now, newIdle); err != nil {
			return nil, nil, gatehouse.Wrap(op, err)
		}
		sess.LastSeenAt, sess.IdleExpiresAt = now, newIdle
	}
	return sess, m, nil
}

// SignOut ends the session.
func (s *Service) SignOut(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member, c gatehouse.Client) error {
	return s.Tx.Tx(ctx, func(tx Tx) error {
		if err := tx.DeleteSession(ctx, sess.OrgID, sess.ID); err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
			return gatehouse.Wrap("signin.SignOut", err)
		}
		return s.audit(ctx, tx, event(gatehouse.EventSignOut, m.OrgID, gatehouse.MemberActor(m), m.ID, c, nil))
	})
}

// Sessions lists the member's active sessions, newest first.
func (s *Service) Sessions(ctx context.Context, m *gatehouse.Member) ([]*gatehouse.Session, error) {
	list, err := s.Store.MemberSessions(ctx, m.OrgID, m.ID, s.now())
	if err != nil {
		return nil, gatehouse.Wrap("signin.Sessions", err)
	}
	return list, nil
}

// EndSession ends one of the member's own sessions by its public id.
func (s *Service) EndSession(ctx context.Context, m *gatehouse.Member, sessionID string, c gatehouse.Client) error {
	const op = "signin.EndSession"
	list, err := s.Store.MemberSessions(ctx, m.OrgID, m.ID, s.now())
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	for _, x := range list {
		if x.ID == sessionID {
			return s.Tx.Tx(ctx, func(tx Tx) error {
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
	err := s.Tx.Tx(ctx, func(tx Tx) error {
		var err error
		if n, err = tx.DeleteMemberSessions(ctx, m.OrgID, m.ID, sess.ID); err != nil {
			return gatehouse.Wrap("signin.EndOtherSessions", err)
		}
		return s.audit(ctx, tx, event(gatehouse.EventSessionsRevoked, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"count": itoa(n), "scope": "others"}))
	})
	return n, err
}

// SignOutEverywhere ends every session of the member, this one included, and
// stops trusting every browser: what to do after losing a device.
func (s *Service) SignOutEverywhere(ctx context.Context, m *gatehouse.Member, c gatehouse.Client) error {
	const op = "signin.SignOutEverywhere"
	return s.Tx.Tx(ctx, func(tx Tx) error {
		n, err := tx.DeleteMemberSessions(ctx, m.OrgID, m.ID, "")
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		if err := s.audit(ctx, tx, event(gatehouse.EventSessionsRevoked, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"count": itoa(n), "scope": "all"})); err != nil {
			return err
		}
		_, err = s.Steps.ForgetDevices(ctx, tx, m, gatehouse.MemberActor(m), c, account.RevokedEverywhere)
		return err
	})
}
