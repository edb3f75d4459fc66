package operator

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// Disabling, enabling and removing operators, from the console or the
// command line. A disabled operator's sessions end at once: the store deletes
// them, and every replica reads the operator's state at every request
// (Session), so nothing is left to any replica's memory. An operator never
// disables or removes themselves, and nobody disables or removes the last
// active operator: the console would have nobody left to sign in.

// StateRemoved is what ChangeOperator is asked for to remove an operator: not
// a state that is stored, since the row goes (the operator log keeps their id
// and name).
const StateRemoved State = "removed"

// Actions of the operator log about operators.
const (
	ActionOperatorDisabled = "operator.disabled"
	ActionOperatorEnabled  = "operator.enabled"
	ActionOperatorRemoved  = "operator.removed"
)

// ErrLastOperator refuses to leave the service desk without an active
// operator.
var ErrLastOperator = &gatehouse.Error{Code: gatehouse.Conflict, Op: "operator.ChangeState",
	Message: "This is the last active operator: add and activate another first (gatehouse operator add)."}

// errSelf refuses an operator's own account.
var errSelf = &gatehouse.Error{Code: gatehouse.Forbidden, Op: "operator.ChangeState",
	Message: "You cannot disable or remove your own account: ask another operator."}

// Disable disables the operator who (an id or a username): they cannot sign
// in, and their sessions and the API keys they created stop working at once.
func (s *Service) Disable(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, who, reason string) (*Profile, error) {
	return s.changeState(ctx, "operator.Disable", actor, c, who, reason, StateDisabled)
}

// Enable makes a disabled operator active again (a pending one stays
// pending: only their activation link makes them active).
func (s *Service) Enable(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, who, reason string) (*Profile, error) {
	return s.changeState(ctx, "operator.Enable", actor, c, who, reason, StateActive)
}

// Remove deletes the operator who, their sessions and activation links. The
// operator log keeps their entries, by id and name.
func (s *Service) Remove(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, who, reason string) (*Profile, error) {
	return s.changeState(ctx, "operator.Remove", actor, c, who, reason, StateRemoved)
}

func (s *Service) changeState(ctx context.Context, op string, actor gatehouse.Actor, c gatehouse.Client, who, reason string, to State) (*Profile, error) {
	if err := mayAct(op, actor); err != nil {
		return nil, err
	}
	o, err := s.find(ctx, op, who)
	if err != nil {
		return nil, err
	}
	if actor.Kind == gatehouse.ActorOperator && actor.ID == o.ID && to != StateActive {
		return nil, errSelf
	}
	action := map[State]string{StateDisabled: ActionOperatorDisabled, StateActive: ActionOperatorEnabled, StateRemoved: ActionOperatorRemoved}[to]
	switch {
	case to == StateActive && o.State != StateDisabled, to == StateDisabled && o.State == StateDisabled:
		return profile(o), nil // nothing to change or record
	}
	reason = strings.TrimSpace(reason)
	if len(reason) > 500 {
		return nil, gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldReason, Code: "too_long", Message: "Keep the reason under 500 characters."})
	}
	if to == StateActive && o.ActivatedAt.IsZero() {
		to = StatePending // never activated: their activation link makes them active
	}
	e := s.entry(actor, c, action, "", o.ID, reason, "", o.Username)
	if err := s.Accounts.ChangeOperator(ctx, o.ID, to, s.now(), e); err != nil {
		if gatehouse.IsCode(err, gatehouse.Conflict) {
			return nil, ErrLastOperator
		}
		return nil, gatehouse.Wrap(op, err)
	}
	if to != StateRemoved {
		o.State = to
	}
	return profile(o), nil
}

// find returns the operator whose id or username is who.
func (s *Service) find(ctx context.Context, op, who string) (*Operator, error) {
	who = strings.TrimSpace(who)
	o, err := s.Accounts.Operator(ctx, who)
	if gatehouse.IsCode(err, gatehouse.NotFound) && who != "" {
		o, err = s.Accounts.OperatorByUsername(ctx, who)
	}
	if gatehouse.IsCode(err, gatehouse.NotFound) || who == "" {
		return nil, gatehouse.Errorf(gatehouse.NotFound, op, "There is no such operator.")
	}
	return o, gatehouse.Wrap(op, err)
}

func profile(o *Operator) *Profile {
	return &Profile{ID: o.ID, Username: o.Username, Email: o.Email, State: o.State, CreatedAt: o.CreatedAt, ActivatedAt: o.ActivatedAt}
}

// keyOwnerActive reports whether the operator who created a key (id, "" for
// the command line) is still there and active.
func (s *Service) keyOwnerActive(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return true, nil
	}
	o, err := s.Accounts.Operator(ctx, id)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return o.State == StateActive, nil
}

// Operator returns what the console shows of the operator who (an id or a
// username).
func (s *Service) Operator(ctx context.Context, actor gatehouse.Actor, who string) (*Profile, error) {
	const op = "operator.Operator"
	if err := mayAct(op, actor); err != nil {
		return nil, err
	}
	o, err := s.find(ctx, op, who)
	if err != nil {
		return nil, err
	}
	return profile(o), nil
}
