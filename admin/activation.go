package admin

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// MaxActivationBatch bounds how many members one bulk send may name.
const MaxActivationBatch = 500

// Why a member gets no activation code. The codes are stable: the API returns them.
const (
	SkipNotFound  = "not_found"
	SkipForbidden = "forbidden" // an owner, and the actor is not one (S27)
	SkipDisabled  = "disabled"
	SkipExpired   = "expired"
	SkipNoEmail   = "no_email"
)

// ActivationResult says what happened, or would happen, for one member of a
// send of activation codes.
type ActivationResult struct {
	MemberID string
	Member   *gatehouse.Member // nil when not found
	Sent     bool              // sent, or (in the confirmation step) would be sent
	Reason   string            // a Skip code when not sent
	Message  string            // the reason in words
	To       string            // the address the email goes to
}

// activationSkip returns why m cannot get an activation code from actor at
// now, or "" when it can.
func activationSkip(actor gatehouse.Actor, m *gatehouse.Member, now time.Time) (string, string) {
	if gatehouse.MayAdminister("", actor, gatehouse.ActionActivation, m) != nil {
		return SkipForbidden, "Only an owner may reset an owner."
	}
	switch m.EffectiveState(now) {
	case gatehouse.StateDisabled:
		return SkipDisabled, "The account is disabled: enable it first."
	case gatehouse.StateExpired:
		return SkipExpired, "The account has expired: change its expiry date or state first."
	}
	if m.ContactEmail() == "" {
		return SkipNoEmail, "The member has no email address."
	}
	return "", ""
}

// planActivation loads the named members (each once, in the order given)
// through st and decides for each whether an activation code can go.
func (s *Service) planActivation(ctx context.Context, st gatehouse.MemberReader, op string, actor gatehouse.Actor, orgID string, ids []string) ([]ActivationResult, error) {
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var uniq []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	if len(uniq) == 0 {
		return nil, gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "member_ids", Code: "required", Message: "Select at least one member."})
	}
	if len(uniq) > MaxActivationBatch {
		return nil, gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "member_ids", Code: "too_many",
			Message: fmt.Sprintf("Select at most %d members at a time.", MaxActivationBatch)})
	}
	now := s.now()
	out := make([]ActivationResult, 0, len(uniq))
	for _, id := range uniq {
		r := ActivationResult{MemberID: id}
		m, err := st.Member(ctx, orgID, id)
		switch {
		case gatehouse.IsCode(err, gatehouse.NotFound):
			r.Reason, r.Message = SkipNotFound, "There is no such member."
		case err != nil:
			return nil, gatehouse.Wrap(op, err)
		default:
			r.Member = m
			r.Reason, r.Message = activationSkip(actor, m, now)
			r.Sent = r.Reason == ""
			if r.Sent {
				r.To = m.ContactEmail()
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// PlanActivation tells, without sending anything, which of the members would
// get an activation code and why the others would not: the confirmation step
// of a bulk send (S23).
func (s *Service) PlanActivation(ctx context.Context, actor gatehouse.Actor, orgID string, ids []string) ([]ActivationResult, error) {
	return s.planActivation(ctx, s.Store, "admin.PlanActivation", actor, orgID, ids)
}

// SendActivation emails an activation code (a one-time link with which the
// member chooses a new password) to each eligible member, and says for each
// member whether it was sent or why not (S23, S24). A code supersedes the
// member's earlier ones; until it is used the current password, if any, keeps
// working. Members are sent to in groups of activationGroup, each group one
// transaction: a member gone meanwhile is skipped,
// and any other failure undoes its group's sends and ends the bulk send,
// never undoing the groups before. One commit per member made a bulk activation of 500 take 8 s on
// PostgreSQL, each commit waiting for its own flush to disk.
func (s *Service) SendActivation(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID string, ids []string) ([]ActivationResult, error) {
	const op = "admin.SendActivation"
	plan, err := s.planActivation(ctx, s.Store, op, actor, orgID, ids)
	if err != nil {
		return nil, err
	}
	set, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	defer s.kick()
	for i := 0; i < len(plan); i += activationGroup {
		group := plan[i:min(i+activationGroup, len(plan))]
		err := s.Tx.Tx(ctx, func(tx Tx) error {
			return s.sendPlanned(ctx, tx, op, actor, c, orgID, &set, group)
		})
		if err != nil {
			return nil, err
		}
		s.kick() // the worker starts on this group while the next is written
	}
	return plan, nil
}

// activationGroup is how many members' activations one transaction sends.
const activationGroup = 50

// sendPlanned sends the planned activation codes through tx, and records in
// plan what happened. Each member is locked and read again first, so a member
// gone meanwhile is skipped before anything of theirs is written; any other
// failure ends the transaction, and with it the group.
func (s *Service) sendPlanned(ctx context.Context, tx Tx, op string, actor gatehouse.Actor, c gatehouse.Client, orgID string, set *gatehouse.Settings, plan []ActivationResult) error {
	for i := range plan {
		r := &plan[i]
		if !r.Sent {
			continue
		}
		// Lock and read again in the transaction: the member may have been
		// disabled, or made an owner, since the plan.
		m, err := gatehouse.LockMemberFor(ctx, tx, op, orgID, r.MemberID)
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			r.Sent, r.Reason, r.Message = false, SkipNotFound, "There is no such member."
			continue
		}
		if err != nil {
			return err
		}
		if reason, msg := activationSkip(actor, m, s.now()); reason != "" {
			r.Sent, r.Reason, r.Message = false, reason, msg
			continue
		}
		r.Member, r.To = m, m.ContactEmail()
		if _, err := s.Steps.IssueActivation(ctx, tx, set, m, actor, c); err != nil {
			return err
		}
	}
	return nil
}

// SendMemberActivation sends one member an activation code (S24). Unlike a
// bulk send, a member who cannot get one is an error: Forbidden for an owner
// when the actor is not one, Conflict for a disabled, expired or addressless
// account, NotFound for an unknown id.
func (s *Service) SendMemberActivation(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (ActivationResult, error) {
	const op = "admin.SendMemberActivation"
	m, err := s.Member(ctx, actor, orgID, id)
	if err != nil {
		return ActivationResult{}, err
	}
	if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionActivation, m); err != nil {
		return ActivationResult{}, err
	}
	res, err := s.SendActivation(ctx, actor, c, orgID, []string{id})
	if err != nil {
		return ActivationResult{}, err
	}
	r := res[0]
	switch r.Reason {
	case "":
		return r, nil
	case SkipNotFound:
		return r, gatehouse.ErrNoMember(op)
	case SkipForbidden:
		return r, gatehouse.Errorf(gatehouse.Forbidden, op, "%s", r.Message)
	}
	return r, gatehouse.Errorf(gatehouse.Conflict, op, "%s", r.Message)
}
