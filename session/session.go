// Package session holds the steps every way of signing in shares: starting a
// session, giving it a new secret at a change of privilege, and recording a
// completed sign-in. Package signin (passwords, passkeys, the second step),
// package account (a password changed or renewed) and the recovery flow (the
// session a reset signs in with) all start and rotate sessions through these
// functions, so that a session's lifetimes and secrets cannot differ by route.
package session

import (
	"context"
	"io"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// PendingTTL is how long a session lives while it waits for a step other
// than the second factor (a renewal of the password, the setup of a second
// factor).
const PendingTTL = 15 * time.Minute

// SecondFactorTTL is how long a session waiting for a second factor lives:
// longer than a code, so that a code that expired can be replaced without
// starting over with the password.
func SecondFactorTTL(set *gatehouse.Settings) time.Duration {
	return PendingTTL + set.TwoFactorCodeTTL
}

// ErrNoSession is the answer for a missing, unknown, ended or expired session.
var ErrNoSession = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "signin.Authenticate", Message: "You are not signed in."}

// Creator stores a new session.
type Creator interface {
	CreateSession(ctx context.Context, s *gatehouse.Session) error
}

// Rotator gives a session a new secret.
type Rotator interface {
	RotateSession(ctx context.Context, s *gatehouse.Session, oldHash string) error
}

// Recorder records a completed sign-in on the member.
type Recorder interface {
	RecordSignIn(ctx context.Context, orgID, memberID string, at time.Time) error
	ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error
}

// Start creates a session for m at stage through st at now and returns its
// secret for the cookie.
func Start(ctx context.Context, st Creator, m *gatehouse.Member, set *gatehouse.Settings, stage gatehouse.Stage, c gatehouse.Client, now time.Time, rnd io.Reader) (string, *gatehouse.Session, error) {
	raw, hash, err := secret.NewToken(rnd)
	if err != nil {
		return "", nil, gatehouse.Wrap("session.Start", err)
	}
	sess := &gatehouse.Session{
		ID: gatehouse.NewID(rnd), TokenHash: hash, OrgID: m.OrgID, MemberID: m.ID, Stage: stage,
		CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(set.SessionIdleTimeout), ExpiresAt: now.Add(set.SessionAbsoluteTimeout),
		IP: c.IP, UserAgent: gatehouse.Truncate(c.UserAgent, 256),
	}
	switch stage {
	case gatehouse.StageActive:
	case gatehouse.StageSecondFactor:
		sess.IdleExpiresAt, sess.ExpiresAt = now.Add(SecondFactorTTL(set)), now.Add(SecondFactorTTL(set))
	default:
		sess.IdleExpiresAt, sess.ExpiresAt = now.Add(PendingTTL), now.Add(PendingTTL)
	}
	if err := st.CreateSession(ctx, sess); err != nil {
		return "", nil, gatehouse.Wrap("session.Start", err)
	}
	return raw, sess, nil
}

// Rotate gives sess a new secret through tx at a change of privilege (a
// second factor proven, a password renewed or changed) and moves it to stage;
// it returns the secret for the cookie. The old secret stops working when tx
// commits, so that a secret someone planted or saw before the change is worth
// nothing after it. A session that becomes active starts its timeouts afresh,
// as at sign-in; one that stays active keeps its absolute end. A session that
// has ended, or that a concurrent request rotated first, gives ErrNoSession.
func Rotate(ctx context.Context, tx Rotator, sess *gatehouse.Session, stage gatehouse.Stage, set *gatehouse.Settings, now time.Time, rnd io.Reader) (string, error) {
	const op = "session.Rotate"
	raw, hash, err := secret.NewToken(rnd)
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
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
		next.IdleExpiresAt, next.ExpiresAt = now.Add(PendingTTL), now.Add(PendingTTL)
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

// RecordSignIn notes through st (the sign-in's transaction) that m completed
// a sign-in at now, when a session reached stage: once every factor is
// proven, so that someone who knows only the password is not taken for the
// member in the admin area's "last sign-in". A renewal of the password may
// still follow. A sign-in that got past the setup of a second factor also
// ends the administrator's request to set one up.
func RecordSignIn(ctx context.Context, st Recorder, m *gatehouse.Member, stage gatehouse.Stage, now time.Time) error {
	if stage == gatehouse.StageSecondFactor || stage == gatehouse.StageSetupSecondFactor {
		return nil
	}
	if err := st.RecordSignIn(ctx, m.OrgID, m.ID, now); err != nil {
		return gatehouse.Wrap("session.RecordSignIn", err)
	}
	if m.MustSetUpSecondFactor {
		no := false
		if err := st.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{MustSetUpSecondFactor: &no, UpdatedAt: now}); err != nil {
			return gatehouse.Wrap("session.RecordSignIn", err)
		}
		m.MustSetUpSecondFactor = false
	}
	return nil
}
