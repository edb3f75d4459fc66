package admin

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// The administrators' use cases: the admin pages and the management API call
// these and nothing else, so the rules of gatehouse.MayAdminister and the
// last-owner rule hold for both. Every change is audited with its actor, a
// member or an API key.

// requireAdmin is gatehouse.RequireAdmin.
func requireAdmin(op string, actor gatehouse.Actor, orgID string) error {
	return gatehouse.RequireAdmin(op, actor, orgID)
}

// ListMembers returns a page of the organization's members for an administrator.
func (s *Service) ListMembers(ctx context.Context, actor gatehouse.Actor, orgID string, f gatehouse.MemberFilter) ([]*gatehouse.Member, string, error) {
	const op = "admin.ListMembers"
	if err := checkMemberFilter(op, actor, orgID, f); err != nil {
		return nil, "", err
	}
	ms, next, err := s.Store.ListMembers(ctx, orgID, f)
	if err != nil {
		if gatehouse.IsCode(err, gatehouse.Invalid) {
			return nil, "", badCursor(op)
		}
		return nil, "", gatehouse.Wrap(op, err)
	}
	return ms, next, nil
}

// CountMembers returns how many of the organization's members f selects (its
// order, cursor and limit aside), for an administrator: the total of a list.
// With upTo > 0 it stops past upTo and says there are more: an exact count
// of a search that many members match reads every match, which at a million
// members takes seconds (docs/performance.md).
func (s *Service) CountMembers(ctx context.Context, actor gatehouse.Actor, orgID string, f gatehouse.MemberFilter, upTo int) (n int, more bool, err error) {
	const op = "admin.CountMembers"
	f.Cursor = ""
	if err := checkMemberFilter(op, actor, orgID, f); err != nil {
		return 0, false, err
	}
	n, more, err = s.Store.CountMatching(ctx, orgID, f, upTo)
	return n, more, gatehouse.Wrap(op, err)
}

// checkMemberFilter refuses a member list to an actor who is not an
// administrator, and a filter with any field at fault, naming them all.
func checkMemberFilter(op string, actor gatehouse.Actor, orgID string, f gatehouse.MemberFilter) error {
	if err := requireAdmin(op, actor, orgID); err != nil {
		return err
	}
	var errs []gatehouse.FieldError
	if f.Role != "" && !f.Role.Valid() {
		errs = append(errs, gatehouse.FieldError{Field: "role", Code: "invalid", Message: "The role must be member, administrator or owner."})
	}
	if f.State != "" && !f.State.Valid() {
		errs = append(errs, gatehouse.FieldError{Field: "state", Code: "invalid", Message: "The state must be never_activated, active, expired or disabled."})
	}
	switch {
	case len(f.Query) > 200:
		errs = append(errs, gatehouse.FieldError{Field: "query", Code: "too_long", Message: "A search has at most 200 characters."})
	case strings.IndexByte(f.Query, 0) >= 0:
		// No name or address can hold one, and PostgreSQL refuses it.
		errs = append(errs, gatehouse.FieldError{Field: "query", Code: "invalid_character", Message: "A search may not contain a NUL character."})
	}
	if !f.Sort.Valid() {
		errs = append(errs, gatehouse.FieldError{Field: "sort", Code: "invalid",
			Message: "The sort order must be username, name, email, role, state, last_signin or password_changed."})
	}
	if len(errs) > 0 {
		return gatehouse.InvalidFields(op, errs...)
	}
	return nil
}

// Member returns one member of the organization for an administrator.
func (s *Service) Member(ctx context.Context, actor gatehouse.Actor, orgID, id string) (*gatehouse.Member, error) {
	const op = "admin.Member"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	m, err := gatehouse.LoadMember(ctx, s.Store, op, orgID, id)
	if err != nil {
		return nil, err
	}
	if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionView, m); err != nil {
		return nil, err
	}
	return m, nil
}

// MemberByUsername returns the organization's member with the username
// (compared case-insensitively) for an administrator.
func (s *Service) MemberByUsername(ctx context.Context, actor gatehouse.Actor, orgID, username string) (*gatehouse.Member, error) {
	const op = "admin.MemberByUsername"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	m, err := s.Store.MemberByUsername(ctx, orgID, username)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, gatehouse.ErrNoMember(op)
	}
	return m, gatehouse.Wrap(op, err)
}

// lockTarget locks the organization (for the last-owner rule) and then the
// member's row, in that order, and checks that actor may do action to the
// member as the row now stands.
func lockTarget(ctx context.Context, tx Tx, op string, actor gatehouse.Actor, action gatehouse.AdminAction, orgID, id string) (*gatehouse.Member, error) {
	if err := tx.LockOrganization(ctx, orgID); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	m, err := gatehouse.LockMemberFor(ctx, tx, op, orgID, id)
	if err != nil {
		return nil, err
	}
	if err := gatehouse.MayAdminister(op, actor, action, m); err != nil {
		return nil, err
	}
	return m, nil
}

// keepAnOwner refuses a change that turns the organization's last active owner
// (before) into something else (after; nil for a deletion). It must run in a
// transaction that holds LockOrganization, so two owners cannot demote each
// other at the same time.
func (s *Service) keepAnOwner(ctx context.Context, tx Tx, op string, before, after *gatehouse.Member, now time.Time) error {
	// An expiry date set on the owner now would let the organization lose its
	// last owner later, when nobody is looking: it counts as losing the owner.
	newExpiry := after != nil && !after.ExpiresAt.IsZero() && !after.ExpiresAt.Equal(before.ExpiresAt)
	if !before.ActiveOwner(now) || (after != nil && after.ActiveOwner(now) && !newExpiry) {
		return nil
	}
	owners, _, err := tx.ListMembers(ctx, before.OrgID, gatehouse.MemberFilter{Role: gatehouse.RoleOwner, State: gatehouse.StateActive, Limit: 500})
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	for _, o := range owners {
		if o.ID != before.ID && o.ActiveOwner(now) {
			return nil
		}
	}
	return gatehouse.ErrLastOwner(op)
}

// SetMemberState disables or enables an account. Enabling makes it active, or
// never-activated again when it never had a password: which of the two is
// decided on the row as locked in UpdateMember's transaction, so a password set
// meanwhile (an activation) is seen.
func (s *Service) SetMemberState(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string, enable bool) (*gatehouse.Member, error) {
	if enable {
		return s.UpdateMember(ctx, actor, c, orgID, id, ProfileUpdate{enable: true})
	}
	st := gatehouse.StateDisabled
	return s.UpdateMember(ctx, actor, c, orgID, id, ProfileUpdate{State: &st})
}

// DeleteMember removes a member for good: their sessions, tokens and password
// history go with them; their audit events stay. Owner protection and the
// last-owner rule apply.
func (s *Service) DeleteMember(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) error {
	const op = "admin.DeleteMember"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return err
	}
	return s.Tx.Tx(ctx, func(tx Tx) error {
		m, err := lockTarget(ctx, tx, op, actor, gatehouse.ActionDelete, orgID, id)
		if err != nil {
			return err
		}
		if err := s.keepAnOwner(ctx, tx, op, m, nil, s.now()); err != nil {
			return err
		}
		if err := tx.DeleteMember(ctx, orgID, id); err != nil {
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, tx, event(gatehouse.EventMemberDeleted, orgID, actor, id, c,
			map[string]string{"username": m.Username, "role": string(m.Role), "email": m.Email}))
	})
}

// EndMemberSessions signs a member out everywhere, forgets the browsers they
// trusted (so that the next sign-in asks for the second factor again, as after
// the member's own "sign out everywhere") and returns how many sessions ended.
func (s *Service) EndMemberSessions(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (int, error) {
	const op = "admin.EndMemberSessions"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return 0, err
	}
	var n int
	err := s.Tx.Tx(ctx, func(tx Tx) error {
		m, err := gatehouse.LockMemberFor(ctx, tx, op, orgID, id)
		if err != nil {
			return err
		}
		if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionEndSessions, m); err != nil {
			return err
		}
		if n, err = tx.DeleteMemberSessions(ctx, orgID, id, ""); err != nil {
			return gatehouse.Wrap(op, err)
		}
		if err := s.audit(ctx, tx, event(gatehouse.EventSessionsRevoked, orgID, actor, id, c,
			map[string]string{"count": strconv.Itoa(n), "scope": "all"})); err != nil {
			return err
		}
		_, err = s.Steps.ForgetDevices(ctx, tx, m, actor, c, account.RevokedByAdministrator)
		return err
	})
	return n, err
}

// via names the route of an administrator's change for the audit log.
func via(actor gatehouse.Actor) string {
	if actor.Kind == gatehouse.ActorAPIKey {
		return "api"
	}
	return "admin"
}

// maskedPhone is a number as the audit log shows it, or "none".
func maskedPhone(n string) string {
	if n == "" {
		return "none"
	}
	return gatehouse.MaskPhone(n)
}
