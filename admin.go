package gatehouse

import (
	"context"
	"time"
)

// Administration: who may do what to whom (S27). The rules are pure functions
// here so that the admin pages and the management API, which both call the use
// cases of package account, cannot disagree.
//
//   - Members administer nothing.
//   - Administrators manage members and administrators: they create them, edit
//     them, set and reset their passwords, disable, enable and delete them.
//   - Owners do all of that to owners too. Only an owner may change, reset,
//     disable, delete or promote to owner an owner, and only an owner creates
//     owners or owner API keys.
//   - The last active owner of an organization cannot be demoted, disabled,
//     expired or deleted, by anyone: someone must always be able to manage the
//     administrators.
//
// An API key acts with the role it was created with.

// AdminAction names what an administrator does to a member.
type AdminAction string

// Administrative actions.
const (
	ActionView        AdminAction = "view"
	ActionUpdate      AdminAction = "update" // profile, role, state, expiry date
	ActionSetPassword AdminAction = "set_password"
	ActionActivation  AdminAction = "send_activation"
	ActionEndSessions AdminAction = "end_sessions"
	ActionDelete      AdminAction = "delete"
	ActionVerifyPIN   AdminAction = "verify_pin"
	// ActionLiftThrottle forgets the member's failed sign-ins, so that the
	// delays they impose end at once.
	ActionLiftThrottle AdminAction = "lift_throttle"
	// ActionSecondFactors removes a member's second factors (passkeys, the
	// app, recovery codes, trusted browsers) for the service desk.
	ActionSecondFactors AdminAction = "second_factors"
)

// MayAdminister returns nil when actor may take action on target, else a
// Forbidden error whose message says why. Looking at an owner and checking an
// owner's support PIN on the telephone (the service desk's job, S28) are open to
// every administrator; everything else done to an owner needs an owner.
//
// A target in another organization than the actor's is NotFound, whatever the
// action and the roles, with the message of a member that does not exist: an
// actor learns nothing about another organization's members.
func MayAdminister(op string, actor Actor, action AdminAction, target *Member) error {
	if !actor.ActsIn(target.OrgID) {
		return Errorf(NotFound, op, "There is no such member.")
	}
	if !actor.Role.IsAdmin() {
		return Errorf(Forbidden, op, "Only administrators and owners manage members.")
	}
	if target.Role == RoleOwner && actor.Role != RoleOwner {
		switch action {
		case ActionView, ActionVerifyPIN:
			return nil
		}
		return Errorf(Forbidden, op, "Only an owner may change, reset, disable or delete an owner.")
	}
	return nil
}

// RequireAdmin refuses an actor of another organization than orgID (as
// NotFound, see CheckOrg) and an actor without an administrative role: the
// first check of every administrative use case.
func RequireAdmin(op string, actor Actor, orgID string) error {
	if err := CheckOrg(op, actor, orgID); err != nil {
		return err
	}
	if !actor.Role.IsAdmin() {
		return Errorf(Forbidden, op, "Only administrators and owners manage members.")
	}
	return nil
}

// MayGrantRole returns nil when actor may give role to a member or an API key:
// administrators grant member and administrator, only owners grant owner.
func MayGrantRole(op string, actor Actor, role Role) error {
	if !actor.Role.IsAdmin() {
		return Errorf(Forbidden, op, "Only administrators and owners manage members.")
	}
	if role == RoleOwner && actor.Role != RoleOwner {
		return Errorf(Forbidden, op, "Only an owner may make someone an owner.")
	}
	return nil
}

// ActiveOwner reports whether m is an owner who can sign in at now: the owners
// the last-owner rule protects.
func (m *Member) ActiveOwner(now time.Time) bool {
	return m.Role == RoleOwner && m.EffectiveState(now) == StateActive
}

// ErrLastOwner is the answer when a change would leave the organization without
// an active owner.
func ErrLastOwner(op string) error {
	return Errorf(Conflict, op, "This is the organization's last active owner: make another member an owner first.")
}

// Confirmation is a one-time confirmation of an administrator's bulk action
// (the bulk send of activation codes). The confirmation page stores what it
// shows; the confirming POST redeems it, once, and stores what it did. A
// second POST of the same page, concurrent or later, finds it used, does
// nothing and shows that result.
type Confirmation struct {
	ID      string
	OrgID   string
	ActorID string // ActorKey of who asked: only they confirm it and read its result
	Kind    string // what it confirms
	Payload string // what was shown, as the use case wrote it
	Result  string // what was done, once redeemed
	// ExpiresAt ends the time to confirm; the result stays readable a while longer.
	CreatedAt, ExpiresAt, UsedAt time.Time
}

// ActorKey names an actor in stored records: kind and id.
func ActorKey(a Actor) string { return string(a.Kind) + ":" + a.ID }

// ConfirmationStore keeps confirmations.
type ConfirmationStore interface {
	CreateConfirmation(ctx context.Context, c *Confirmation) error
	Confirmation(ctx context.Context, orgID, id string) (*Confirmation, error)
	// UseConfirmation marks the confirmation used at now if it is unused and
	// unexpired, atomically: of several concurrent calls exactly one succeeds
	// and the others wait for it to end and then get NotFound, as do unknown,
	// used and expired ones.
	UseConfirmation(ctx context.Context, orgID, id string, now time.Time) (*Confirmation, error)
	// SetConfirmationResult stores what a redeemed confirmation did.
	SetConfirmationResult(ctx context.Context, orgID, id, result string) error
}

// AdminStore is the storage the admin area adds to Store.
type AdminStore interface {
	APIKeyStore
	ConfirmationStore
	// LockOrganization holds a lock on the organization until the transaction
	// it runs in ends, so that changes that must see every owner (the
	// last-owner rule) run one after another. Outside a transaction it does
	// nothing useful.
	LockOrganization(ctx context.Context, orgID string) error
}

// Anonymous is the actor of a request by someone not signed in, named by the
// redacted identifier they typed (never the text itself: people type their
// password into the username field).
func Anonymous(redacted string) Actor {
	return Actor{Kind: ActorMember, Name: redacted}
}

// MaxIdentifierLength bounds a username or email address typed into a form;
// a longer one names nobody.
const MaxIdentifierLength = 254

// MaxPasswordBytes is the longest password a form may carry. A password longer
// than any policy can allow cannot match, so it is refused before hashing (no
// truncation ever).
const MaxPasswordBytes = 4096

// MemberActor is the actor of a member acting in person, in the admin area or
// on their own account.
func MemberActor(m *Member) Actor {
	return Actor{Kind: ActorMember, ID: m.ID, Name: m.Username, Role: m.Role, OrgID: m.OrgID}
}
