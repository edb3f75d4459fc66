package gatehouse

import (
	"strings"
	"testing"
	"time"
)

func TestMayAdminister(t *testing.T) {
	owner := Actor{Kind: ActorMember, Role: RoleOwner, OrgID: "o1"}
	admin := Actor{Kind: ActorMember, Role: RoleAdministrator, OrgID: "o1"}
	member := Actor{Kind: ActorMember, Role: RoleMember, OrgID: "o1"}
	adminKey := Actor{Kind: ActorAPIKey, Role: RoleAdministrator, OrgID: "o1"}
	targets := map[Role]*Member{RoleMember: {Role: RoleMember, OrgID: "o1"}, RoleAdministrator: {Role: RoleAdministrator, OrgID: "o1"}, RoleOwner: {Role: RoleOwner, OrgID: "o1"}}
	changes := []AdminAction{ActionUpdate, ActionSetPassword, ActionActivation, ActionEndSessions, ActionDelete}
	for _, tc := range []struct {
		name   string
		actor  Actor
		target Role
		action AdminAction
		ok     bool
	}{
		{"owner changes owner", owner, RoleOwner, "", true},
		{"admin changes admin", admin, RoleAdministrator, "", true},
		{"admin changes member", admin, RoleMember, "", true},
		{"admin changes owner", admin, RoleOwner, "", false},
		{"admin key changes owner", adminKey, RoleOwner, "", false},
		{"member changes member", member, RoleMember, "", false},
		{"admin views owner", admin, RoleOwner, ActionView, true},
		{"admin checks owner PIN", admin, RoleOwner, ActionVerifyPIN, true},
		{"member views member", member, RoleMember, ActionView, false},
	} {
		actions := changes
		if tc.action != "" {
			actions = []AdminAction{tc.action}
		}
		for _, a := range actions {
			err := MayAdminister("test", tc.actor, a, targets[tc.target])
			if (err == nil) != tc.ok || (err != nil && !IsCode(err, Forbidden)) {
				t.Errorf("%s (%s): %v, want ok=%v", tc.name, a, err, tc.ok)
			}
		}
	}
	for _, tc := range []struct {
		actor Actor
		role  Role
		ok    bool
	}{
		{owner, RoleOwner, true}, {admin, RoleOwner, false}, {admin, RoleAdministrator, true}, {member, RoleMember, false}, {adminKey, RoleOwner, false},
	} {
		if err := MayGrantRole("test", tc.actor, tc.role); (err == nil) != tc.ok {
			t.Errorf("%s grants %s: %v", tc.actor.Role, tc.role, err)
		}
	}
}

// TestMayAdministerAcrossOrganizations checks that no actor, whatever its
// role and kind, administers a member of another organization, nor one when
// it has no organization at all: the answer is NotFound, as for a member that
// does not exist, never Forbidden (which would say that it does).
func TestMayAdministerAcrossOrganizations(t *testing.T) {
	actions := []AdminAction{ActionView, ActionUpdate, ActionSetPassword, ActionActivation, ActionEndSessions,
		ActionDelete, ActionVerifyPIN, ActionLiftThrottle}
	actors := []Actor{
		{Kind: ActorMember, Role: RoleOwner, OrgID: "a"},
		{Kind: ActorAPIKey, Role: RoleOwner, OrgID: "a"},
		SystemActor("a"),
		{Kind: ActorMember, Role: RoleOwner}, // no organization
		{Kind: ActorMember, Role: RoleMember, OrgID: "a"},
	}
	for _, target := range []*Member{{Role: RoleMember, OrgID: "b"}, {Role: RoleOwner, OrgID: "b"}, {Role: RoleMember}} {
		for _, actor := range actors {
			for _, a := range actions {
				if err := MayAdminister("test", actor, a, target); !IsCode(err, NotFound) {
					t.Errorf("%s %s of %q, %s on a %s of %q: %v; want NotFound", actor.Kind, actor.Role, actor.OrgID, a, target.Role, target.OrgID, err)
				}
			}
		}
	}
	if err := MayAdminister("test", SystemActor("b"), ActionDelete, &Member{Role: RoleOwner, OrgID: "b"}); err != nil {
		t.Errorf("the system in its organization: %v", err)
	}
	for _, tc := range []struct {
		actor Actor
		org   string
		ok    bool
	}{
		{SystemActor("a"), "a", true}, {SystemActor("a"), "b", false}, {SystemActor(""), "", false}, {Actor{OrgID: "a"}, "", false},
	} {
		if err := CheckOrg("test", tc.actor, tc.org); (err == nil) != tc.ok || (err != nil && !IsCode(err, NotFound)) {
			t.Errorf("CheckOrg(%q in %q) = %v, want ok=%v", tc.actor.OrgID, tc.org, err, tc.ok)
		}
	}
}

func TestActiveOwner(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		m    Member
		want bool
	}{
		{Member{Role: RoleOwner, State: StateActive}, true},
		{Member{Role: RoleOwner, State: StateActive, ExpiresAt: now.Add(time.Hour)}, true},
		{Member{Role: RoleOwner, State: StateActive, ExpiresAt: now}, false},
		{Member{Role: RoleOwner, State: StateDisabled}, false},
		{Member{Role: RoleOwner, State: StateNeverActivated}, false},
		{Member{Role: RoleAdministrator, State: StateActive}, false},
	} {
		if got := tc.m.ActiveOwner(now); got != tc.want {
			t.Errorf("%+v: %v", tc.m, got)
		}
	}
}

func TestValidateSupportPIN(t *testing.T) {
	for pin, code := range map[string]string{
		"482913": "", "48291357": "", "0482913": "", "": "required", "48291": "invalid_length", "482913571": "invalid_length",
		"48a913": "not_digits", "４８２９１３": "invalid_length", "111111": "too_simple", "123456": "too_simple",
		"98765432": "too_simple", "121212": "too_simple", "123123": "too_simple", "4829 13": "not_digits",
	} {
		fe := ValidateSupportPIN("pin", pin)
		got := ""
		if fe != nil {
			got = fe.Code
		}
		if got != code {
			t.Errorf("%q: %q, want %q", pin, got, code)
		}
		if WellFormedSupportPIN(pin) != (code == "" || code == "too_simple") {
			t.Errorf("WellFormedSupportPIN(%q) = %v", pin, !(code == "" || code == "too_simple"))
		}
	}
}

func TestValidateAPIKeyName(t *testing.T) {
	for name, ok := range map[string]bool{"crm": true, "Billing (prod)": true, "": false, "a\x00b": false,
		strings.Repeat("é", 65): false, strings.Repeat("é", 64): true} {
		if got := ValidateAPIKeyName(name) == nil; got != ok {
			t.Errorf("%q: %v", name, got)
		}
	}
}
