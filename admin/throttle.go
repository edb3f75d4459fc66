package admin

import (
	"context"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Throttles from the administrator's side: how a member's sign-in throttle
// stands, and lifting it for a member who is locked out by someone else's
// guesses (or their own), without waiting for the delay to run out.

// ThrottleState is how a member's sign-in throttle stands.
type ThrottleState struct {
	// Failures counts the recent wrong passwords and wrong second-factor
	// answers that the per-account counters remember.
	Failures int
	// Until is when the next try is allowed; zero when it is allowed now.
	Until time.Time
}

// Throttled reports whether the member must wait before trying again.
func (t *ThrottleState) Throttled() bool { return !t.Until.IsZero() }

// MemberThrottle returns how m's sign-in throttle stands, for an administrator.
func (s *Service) MemberThrottle(ctx context.Context, actor gatehouse.Actor, m *gatehouse.Member) (*ThrottleState, error) {
	const op = "admin.MemberThrottle"
	if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionView, m); err != nil {
		return nil, err
	}
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	d, failures, err := s.Steps.SignInThrottle(ctx, &set, m, now)
	if err != nil {
		return nil, err
	}
	st := &ThrottleState{Failures: failures}
	if d > 0 {
		st.Until = now.Add(d)
	}
	return st, nil
}

// LiftThrottle forgets a member's failed sign-ins (every per-account counter,
// see memberThrottleKeys), so the member may sign in at once; the limits per
// client address stay. Only an owner lifts an owner's throttle. The event is
// written before the counters are reset, so that no lift goes unrecorded: a
// reset that fails afterwards is an error, and trying again writes another.
func (s *Service) LiftThrottle(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) error {
	const op = "admin.LiftThrottle"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return err
	}
	m, err := gatehouse.LoadMember(ctx, s.Store, op, orgID, id)
	if err != nil {
		return err
	}
	if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionLiftThrottle, m); err != nil {
		return err
	}
	set, err := s.Settings(ctx, orgID)
	if err != nil {
		return err
	}
	d, failures, err := s.Steps.SignInThrottle(ctx, &set, m, s.now())
	if err != nil {
		return err
	}
	if err := s.audit(ctx, s.Store, event(gatehouse.EventThrottleLifted, orgID, actor, m.ID, c, map[string]string{
		"failures": strconv.Itoa(failures), "was_throttled": strconv.FormatBool(d > 0), "via": via(actor),
	})); err != nil {
		return err
	}
	return s.Steps.LiftSignInThrottle(ctx, &set, m)
}
