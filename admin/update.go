package admin

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

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
		if c.Mobile != nil {
			// A number an administrator sets is unverified until the member
			// enters a code sent to it.
			c.VerifiedMobile = new(string)
		}
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
	const op = "admin.UpdateMember"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	var out *gatehouse.Member
	err := s.Tx.Tx(ctx, func(tx Tx) error {
		m, err := lockTarget(ctx, tx, op, actor, gatehouse.ActionUpdate, orgID, id)
		if err != nil {
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
				details["sessions_ended"] = strconv.Itoa(k)
			}
		}
		if shut {
			// An account that can no longer sign in keeps no browser that would
			// skip its second factor once it is enabled again.
			if _, err := s.Steps.ForgetDevices(ctx, tx, &n, actor, c, account.RevokedAccount+string(st)); err != nil {
				return err
			}
		} else if change.Role != nil && n.Role.IsAdmin() {
			// A browser trusted shortly before a promotion would skip the
			// administrator's second factor (and trusted_device_days_for_administrators)
			// at the first sign-in with the new role.
			if _, err := s.Steps.ForgetDevices(ctx, tx, &n, actor, c, account.RevokedRoleChanged); err != nil {
				return err
			}
		}
		if change.Mobile != nil {
			// A new number is a change of second factor: as when the member changes
			// it, trusted browsers are forgotten and the change is in the two-factor log.
			if _, err := s.Steps.ForgetDevices(ctx, tx, &n, actor, c, account.RevokedSecondFactor); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, event(gatehouse.EventMobileChanged, orgID, actor, n.ID, c,
				map[string]string{"via": via(actor), "old": maskedPhone(m.Mobile), "new": maskedPhone(n.Mobile), "verified": "no"})); err != nil {
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
		changes, tell := account.EmailChanges(m, &n)
		changes = append(changes, account.MobileChange(m.Mobile, n.Mobile)...)
		return s.Steps.NotifyChanges(ctx, tx, &n, actor, c, changes, tell...)
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return out, nil
}
