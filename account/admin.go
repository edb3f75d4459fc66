package account

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// The administrators' use cases: the admin pages and the management API call
// these and nothing else, so the rules of gatehouse.MayAdminister and the
// last-owner rule hold for both. Every change is audited with its actor, a
// member or an API key.

// requireAdmin is gatehouse.RequireAdmin.
func requireAdmin(op string, actor gatehouse.Actor, orgID string) error {
	return gatehouse.RequireAdmin(op, actor, orgID)
}

// memberNotFound is the answer for an id that names no member of the organization.
func memberNotFound(op string) error {
	return gatehouse.Errorf(gatehouse.NotFound, op, "There is no such member.")
}

// loadMember returns the organization's member with id through st.
func loadMember(ctx context.Context, st gatehouse.Store, op, orgID, id string) (*gatehouse.Member, error) {
	m, err := st.Member(ctx, orgID, id)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, memberNotFound(op)
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	return m, nil
}

// lockMember locks and reads again the organization's member with id, in the
// transaction tx, before a write that depends on what the row holds (see
// gatehouse.MemberStore.LockMember).
func lockMember(ctx context.Context, tx gatehouse.Store, op, orgID, id string) (*gatehouse.Member, error) {
	m, err := tx.LockMember(ctx, orgID, id)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, memberNotFound(op)
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	return m, nil
}

// ListMembers returns a page of the organization's members for an administrator.
func (s *Service) ListMembers(ctx context.Context, actor gatehouse.Actor, orgID string, f gatehouse.MemberFilter) ([]*gatehouse.Member, string, error) {
	const op = "account.ListMembers"
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
	const op = "account.CountMembers"
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
	const op = "account.Member"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	m, err := loadMember(ctx, s.Store, op, orgID, id)
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
	const op = "account.MemberByUsername"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	m, err := s.Store.MemberByUsername(ctx, orgID, username)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, memberNotFound(op)
	}
	return m, gatehouse.Wrap(op, err)
}

// ProfileUpdate is an administrator's change to a member's record (S14, S29).
// Nil fields stay as they are.
type ProfileUpdate struct {
	DisplayName *string
	Email       *string
	WorkEmail   *string
	Mobile      *string // E.164, or "" to remove it; the edge parses what people type
	Role        *gatehouse.Role
	State       *gatehouse.State
	ExpiresAt   *time.Time // the zero time removes the expiry date
	// enable, set by SetMemberState, makes the account usable again: active
	// when it has a password, never-activated when it never had one. It is
	// decided on the row as locked in the transaction, as everything else is.
	enable bool
	// Problems are what the edge found wrong while parsing (a mobile number or
	// a date it could not read). UpdateMember reports them together with its
	// own findings, after the permission check, so that one answer names every
	// field at fault and an actor without the right gets 403 whatever they sent.
	Problems []gatehouse.FieldError
}

// apply validates u against m, the row as locked in the transaction, and
// returns the change to write (only the fields that differ), the audit details
// of what changed, and every problem.
func (u ProfileUpdate) apply(m *gatehouse.Member) (gatehouse.MemberChange, map[string]string, []gatehouse.FieldError) {
	var c gatehouse.MemberChange
	errs := append([]gatehouse.FieldError(nil), u.Problems...)
	add := func(fe *gatehouse.FieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	details := map[string]string{}
	text := func(dst **string, field, old string, v *string, trim bool) {
		if v == nil {
			return
		}
		nv := *v
		if trim {
			nv = strings.TrimSpace(nv)
		}
		if nv != old {
			*dst = &nv
			details[field] = old + " → " + nv
		}
	}
	if u.DisplayName != nil {
		text(&c.DisplayName, "display_name", m.DisplayName, u.DisplayName, true)
		add(gatehouse.ValidateDisplayName(strings.TrimSpace(*u.DisplayName)))
	}
	if u.Email != nil {
		text(&c.Email, "email", m.Email, u.Email, true)
		add(gatehouse.ValidateEmail("email", strings.TrimSpace(*u.Email), true))
	}
	if u.WorkEmail != nil {
		text(&c.WorkEmail, "work_email", m.WorkEmail, u.WorkEmail, true)
		add(gatehouse.ValidateEmail("work_email", strings.TrimSpace(*u.WorkEmail), false))
	}
	if u.Mobile != nil {
		text(&c.Mobile, "mobile", m.Mobile, u.Mobile, false)
		add(gatehouse.ValidateE164("mobile", *u.Mobile))
	}
	if u.Role != nil {
		if !u.Role.Valid() {
			add(&gatehouse.FieldError{Field: "role", Code: "invalid", Message: "The role must be member, administrator or owner."})
		} else if *u.Role != m.Role {
			r := *u.Role
			c.Role = &r
			details["role"] = string(m.Role) + " → " + string(r)
		}
	}
	st := u.State
	if u.enable {
		next := gatehouse.StateActive
		if m.PasswordHash == "" {
			next = gatehouse.StateNeverActivated
		}
		st = &next
	}
	if st != nil && *st != m.State {
		switch *st {
		case gatehouse.StateActive:
			if m.PasswordHash == "" {
				add(&gatehouse.FieldError{Field: "state", Code: "no_password", Message: "This account has never been activated: send an activation code, or set a password."})
			}
		case gatehouse.StateDisabled, gatehouse.StateExpired:
		case gatehouse.StateNeverActivated:
			// The one way back to never-activated: enabling an account that
			// never had a password, which then waits for activation again.
			if !u.enable {
				add(&gatehouse.FieldError{Field: "state", Code: "invalid_transition", Message: "An account cannot become never-activated again; disable it, or send an activation code."})
			}
		default:
			add(&gatehouse.FieldError{Field: "state", Code: "invalid", Message: "The state must be active, expired or disabled."})
		}
		next := *st
		c.State = &next
		details["state"] = string(m.State) + " → " + string(next)
	}
	if u.ExpiresAt != nil {
		t := u.ExpiresAt.UTC()
		if !t.Equal(m.ExpiresAt) {
			c.ExpiresAt = &t
			details["expires_at"] = dateText(m.ExpiresAt) + " → " + dateText(t)
		}
	}
	return c, details, errs
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// UpdateMember changes a member's record. Owner protection applies (only an
// owner changes an owner or makes someone an owner) and the organization's
// last active owner cannot be demoted, disabled or expired. Disabling or
// expiring an account ends its sessions and forgets its trusted browsers;
// changing its role ends its sessions. It returns the member as stored.
//
// The transaction locks the organization (for the last-owner rule) and then
// the member's row, decides on that fresh row, and writes only the fields that
// change: a password the member set meanwhile, or a field another request
// changed, stays as it is.
func (s *Service) UpdateMember(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string, u ProfileUpdate) (*gatehouse.Member, error) {
	const op = "account.UpdateMember"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	var out *gatehouse.Member
	err := s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		if err := tx.LockOrganization(ctx, orgID); err != nil {
			return gatehouse.Wrap(op, err)
		}
		m, err := lockMember(ctx, tx, op, orgID, id)
		if err != nil {
			return err
		}
		if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionUpdate, m); err != nil {
			return err
		}
		change, details, errs := u.apply(m)
		if len(errs) > 0 {
			return gatehouse.InvalidFields(op, errs...)
		}
		if change.Role != nil {
			if err := gatehouse.MayGrantRole(op, actor, *change.Role); err != nil {
				return err
			}
		}
		out = m
		if len(details) == 0 {
			return nil
		}
		now := s.now()
		n := *m
		change.UpdatedAt = now
		change.Apply(&n)
		if err := s.keepAnOwner(ctx, tx, op, m, &n, now); err != nil {
			return err
		}
		if err := tx.ChangeMember(ctx, orgID, id, change); err != nil {
			return gatehouse.Wrap(op, err)
		}
		out = &n
		// A change of role is a change of privilege: the member's sessions end,
		// so that no secret issued before it acts with the new role (a planted or
		// stolen one after a promotion) or keeps pages of the old one open. They
		// sign in again; an actor who changed their own role too.
		st := n.EffectiveState(now)
		shut := st != gatehouse.StateActive && st != gatehouse.StateNeverActivated
		if shut || change.Role != nil {
			k, err := tx.DeleteMemberSessions(ctx, orgID, n.ID, "")
			if err != nil {
				return gatehouse.Wrap(op, err)
			}
			if k > 0 {
				details["sessions_ended"] = itoa(k)
			}
		}
		if shut {
			// An account that can no longer sign in keeps no browser that would
			// skip its second factor once it is enabled again.
			if _, err := s.revokeDevices(ctx, tx, &n, actor, c, RevokedAccount+string(st)); err != nil {
				return err
			}
		}
		if change.Mobile != nil {
			// A new number is a change of second factor: as when the member changes
			// it, trusted browsers are forgotten and the change is in the two-factor log.
			if _, err := s.revokeDevices(ctx, tx, &n, actor, c, RevokedSecondFactor); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, event(gatehouse.EventMobileChanged, orgID, actor, n.ID, c,
				map[string]string{"via": via(actor), "old": maskOrNone(m.Mobile), "new": maskOrNone(n.Mobile)})); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, tx, event(gatehouse.EventMemberUpdated, orgID, actor, n.ID, c, details)); err != nil {
			return err
		}
		if n.State == gatehouse.StateDisabled && m.State != gatehouse.StateDisabled {
			if err := s.audit(ctx, tx, event(gatehouse.EventMemberDisabled, orgID, actor, n.ID, c, nil)); err != nil {
				return err
			}
		}
		changes, tell := emailChanges(m, &n)
		changes = append(changes, mobileChange(m.Mobile, n.Mobile)...)
		return s.notifyChanges(ctx, tx, &n, actor, c, changes, tell...)
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return out, nil
}

// keepAnOwner refuses a change that turns the organization's last active owner
// (before) into something else (after; nil for a deletion). It must run in a
// transaction that holds LockOrganization, so two owners cannot demote each
// other at the same time.
func (s *Service) keepAnOwner(ctx context.Context, tx gatehouse.Store, op string, before, after *gatehouse.Member, now time.Time) error {
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
	const op = "account.DeleteMember"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return err
	}
	return s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		if err := tx.LockOrganization(ctx, orgID); err != nil {
			return gatehouse.Wrap(op, err)
		}
		m, err := loadMember(ctx, tx, op, orgID, id)
		if err != nil {
			return err
		}
		if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionDelete, m); err != nil {
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
	const op = "account.EndMemberSessions"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return 0, err
	}
	var n int
	err := s.Store.Tx(ctx, func(tx gatehouse.Store) error {
		m, err := lockMember(ctx, tx, op, orgID, id)
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
			map[string]string{"count": itoa(n), "scope": "all"})); err != nil {
			return err
		}
		_, err = s.revokeDevices(ctx, tx, m, actor, c, RevokedByAdministrator)
		return err
	})
	return n, err
}

// FieldPassword is the field of a password an administrator sets, in the
// admin form and the API.
const FieldPassword = "password"

// SetMemberPassword is an administrator setting a member's password now (S25,
// S26): the policy and the member's password history apply, the old password
// stops working at once, every session of the member ends, outstanding reset
// and activation links die, and the member is emailed a notice. With
// mustChange the member has to choose another password at the next sign-in.
// A never-activated account becomes active.
func (s *Service) SetMemberPassword(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id, password string, mustChange bool) error {
	const op = "account.SetMemberPassword"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return err
	}
	m, err := loadMember(ctx, s.Store, op, orgID, id)
	if err != nil {
		return err
	}
	if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionSetPassword, m); err != nil {
		return err
	}
	if password == "" {
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldPassword, Code: "required", Message: "Enter the new password."})
	}
	set, err := s.Settings(ctx, orgID)
	if err != nil {
		return err
	}
	errs, err := s.CheckPassword(ctx, &set, m, FieldPassword, password)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		codes := make([]string, len(errs))
		for i, e := range errs {
			codes[i] = e.Code
		}
		_ = s.audit(ctx, s.Store, event(gatehouse.EventPasswordRefused, orgID, actor, m.ID, c,
			map[string]string{"rules": strings.Join(codes, ","), "via": via(actor)}))
		e := gatehouse.InvalidFields(op, errs...)
		e.Message = gatehouse.PasswordMessage(errs)
		return e
	}
	return s.setPassword(ctx, &set, passwordChange{
		Member: m, Password: password, Actor: actor, Client: c, Via: via(actor), MustChange: mustChange,
		// Owner protection, on the row as locked: the member may have been made
		// an owner since it was read.
		Allowed: func(fresh *gatehouse.Member) error {
			return gatehouse.MayAdminister(op, actor, gatehouse.ActionSetPassword, fresh)
		},
		InTx: func(tx gatehouse.Store, _, _ *gatehouse.Member) error {
			return s.audit(ctx, tx, event(gatehouse.EventAdminPasswordSet, orgID, actor, m.ID, c,
				map[string]string{"must_change": boolString(mustChange)}))
		},
	})
}

// via names the route of an administrator's change for the audit log.
func via(actor gatehouse.Actor) string {
	if actor.Kind == gatehouse.ActorAPIKey {
		return "api"
	}
	return "admin"
}
