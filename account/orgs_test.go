package account_test

import (
	"context"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/signin"
)

// TestActorOfAnotherOrganization tries every administrative use case with an
// owner (and an owner API key) of the default organization on a member of
// another one, named by its own organization or smuggled in under the actor's:
// each must answer NotFound, as for a member that does not exist, and leave
// the member, its sessions and its organization's settings as they were.
func TestActorOfAnotherOrganization(t *testing.T) {
	webtest.Each(t, webtest.Options{NoWorker: true}, func(t *testing.T, s *webtest.Server) {
		ctx := context.Background()
		const other = "other"
		if err := s.Store.CreateOrganization(ctx, &gatehouse.Organization{ID: other, CreatedAt: s.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		owner := s.AddMember(t, "owner", "owner@example.com", password, gatehouse.RoleOwner)
		victim, _, err := s.Admin.CreateMember(ctx, gatehouse.SystemActor(other), gatehouse.Client{}, gatehouse.NewMember{
			OrgID: other, Username: "victim", Email: "victim@example.org", Password: password, Role: gatehouse.RoleMember,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SignIn.SignIn(ctx, signin.SignInRequest{OrgID: other, Identifier: "victim", Password: password}); err != nil {
			t.Fatal(err)
		}
		key, k, err := s.App.APIKeys.Create(ctx, gatehouse.MemberActor(owner), gatehouse.Client{}, gatehouse.DefaultOrgID, "crm", gatehouse.RoleOwner)
		if err != nil || key == "" {
			t.Fatal(err)
		}
		otherKey, ok, err := s.App.APIKeys.Create(ctx, gatehouse.SystemActor(other), gatehouse.Client{}, other, "theirs", gatehouse.RoleOwner)
		if err != nil || otherKey == "" {
			t.Fatal(err)
		}
		before := *victim
		settingsBefore, err := s.Store.Settings(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		enable := false
		name := "Mallory"
		for _, actor := range []gatehouse.Actor{gatehouse.MemberActor(owner), k.Actor(), gatehouse.SystemActor(gatehouse.DefaultOrgID)} {
			for _, orgID := range []string{other, gatehouse.DefaultOrgID} {
				cases := map[string]func() error{
					"Member": func() error { _, err := s.Admin.Member(ctx, actor, orgID, victim.ID); return err },
					"MemberByUsername": func() error {
						_, err := s.Admin.MemberByUsername(ctx, actor, orgID, "victim")
						return err
					},
					"UpdateMember": func() error {
						_, err := s.Admin.UpdateMember(ctx, actor, gatehouse.Client{}, orgID, victim.ID, admin.ProfileUpdate{DisplayName: &name})
						return err
					},
					"SetMemberState": func() error {
						_, err := s.Admin.SetMemberState(ctx, actor, gatehouse.Client{}, orgID, victim.ID, enable)
						return err
					},
					"EndMemberSessions": func() error {
						_, err := s.Admin.EndMemberSessions(ctx, actor, gatehouse.Client{}, orgID, victim.ID)
						return err
					},
					"SetMemberPassword": func() error {
						return s.Admin.SetMemberPassword(ctx, actor, gatehouse.Client{}, orgID, victim.ID, "a brand new long passphrase", false)
					},
					"SendMemberActivation": func() error {
						_, err := s.Admin.SendMemberActivation(ctx, actor, gatehouse.Client{}, orgID, victim.ID)
						return err
					},
					"LiftThrottle": func() error { return s.Admin.LiftThrottle(ctx, actor, gatehouse.Client{}, orgID, victim.ID) },
					"VerifySupportPIN": func() error {
						_, err := s.Admin.VerifySupportPIN(ctx, actor, gatehouse.Client{}, orgID, victim.ID, "123456")
						return err
					},
					"RevokeAPIKey": func() error { return s.App.APIKeys.Revoke(ctx, actor, gatehouse.Client{}, orgID, ok.ID) },
					"DeleteMember": func() error { return s.Admin.DeleteMember(ctx, actor, gatehouse.Client{}, orgID, victim.ID) },
				}
				if orgID == other {
					// Use cases that name only the organization: the actor's is not it.
					cases["ListMembers"] = func() error {
						_, _, err := s.Admin.ListMembers(ctx, actor, orgID, gatehouse.MemberFilter{Limit: 10})
						return err
					}
					cases["CountMembers"] = func() error {
						_, _, err := s.Admin.CountMembers(ctx, actor, orgID, gatehouse.MemberFilter{}, 0)
						return err
					}
					cases["AuditEvents"] = func() error {
						_, _, err := s.Admin.AuditEvents(ctx, actor, orgID, gatehouse.AuditFilter{Limit: 10})
						return err
					}
					cases["Messages"] = func() error {
						_, _, err := s.Admin.Messages(ctx, actor, orgID, gatehouse.MessageFilter{Limit: 10})
						return err
					}
					cases["APIKeys"] = func() error { _, err := s.App.APIKeys.List(ctx, actor, orgID); return err }
					cases["CreateAPIKey"] = func() error {
						_, _, err := s.App.APIKeys.Create(ctx, actor, gatehouse.Client{}, orgID, "planted", gatehouse.RoleOwner)
						return err
					}
					cases["UpdateSettings"] = func() error {
						_, err := s.Admin.UpdateSettings(ctx, actor, gatehouse.Client{}, orgID, map[string]string{"two_factor": "off"})
						return err
					}
					cases["CreateMember"] = func() error {
						_, _, err := s.Admin.CreateMember(ctx, actor, gatehouse.Client{}, gatehouse.NewMember{
							OrgID: orgID, Username: "planted", Email: "planted@example.com", Password: password, Role: gatehouse.RoleOwner})
						return err
					}
					cases["PlanActivation"] = func() error {
						_, err := s.Admin.PlanActivation(ctx, actor, orgID, []string{victim.ID})
						return err
					}
					cases["PrepareActivation"] = func() error {
						_, err := s.Admin.PrepareActivation(ctx, actor, orgID, []string{victim.ID})
						return err
					}
					cases["SendActivation"] = func() error {
						_, err := s.Admin.SendActivation(ctx, actor, gatehouse.Client{}, orgID, []string{victim.ID})
						return err
					}
					// Use cases given the member itself.
					cases["MemberThrottle"] = func() error { _, err := s.Admin.MemberThrottle(ctx, actor, victim); return err }
					cases["SetMobile"] = func() error {
						return s.Mobile.SetMobile(ctx, actor, gatehouse.Client{}, victim, "+447700900123")
					}
				}
				for name, try := range cases {
					err := try()
					if !gatehouse.IsCode(err, gatehouse.NotFound) {
						t.Errorf("%s by %s:%s of %s in %q: %v; want NotFound", name, actor.Kind, actor.Name, actor.OrgID, orgID, err)
					}
				}
			}
		}
		got, err := s.Store.Member(ctx, other, victim.ID)
		if err != nil {
			t.Fatalf("the member of the other organization: %v", err)
		}
		if got.DisplayName != before.DisplayName || got.State != before.State || got.PasswordHash != before.PasswordHash || got.Mobile != before.Mobile {
			t.Errorf("the member of the other organization changed: %+v", got)
		}
		if sess, err := s.Store.MemberSessions(ctx, other, victim.ID, s.Clock.Now()); err != nil || len(sess) != 1 {
			t.Errorf("the member's sessions: %d, %v; want its one session", len(sess), err)
		}
		if keys, err := s.Store.APIKeys(ctx, other); err != nil || len(keys) != 1 || keys[0].Revoked() {
			t.Errorf("the other organization's keys: %v, %v", keys, err)
		}
		if n, err := s.Store.CountMembers(ctx, other, "", ""); err != nil || n != 1 {
			t.Errorf("the other organization has %d members (%v), want 1", n, err)
		}
		settingsAfter, err := s.Store.Settings(ctx, other)
		if err != nil || len(settingsAfter) != len(settingsBefore) {
			t.Errorf("the other organization's settings changed: %v, %v", settingsAfter, err)
		}
	})
}

// TestNoDefaultOrganization checks that the use cases that name an
// organization refuse an empty one rather than act in the default one.
func TestNoDefaultOrganization(t *testing.T) {
	s := webtest.New(t, webtest.Options{NoWorker: true})
	ctx := context.Background()
	owner := s.AddMember(t, "owner", "owner@example.com", password, gatehouse.RoleOwner)
	actor := gatehouse.MemberActor(owner)
	for name, try := range map[string]func() error{
		"RequestReset": func() error {
			return s.Recovery.RequestReset(ctx, recovery.ResetRequest{Identifier: "owner"})
		},
		"CompleteReset": func() error {
			_, err := s.Recovery.CompleteReset(ctx, recovery.CompleteLinkRequest{Token: "x", New: password, Confirm: password})
			return err
		},
		"CompleteActivation": func() error {
			_, err := s.Recovery.CompleteActivation(ctx, recovery.CompleteLinkRequest{Token: "x", New: password, Confirm: password})
			return err
		},
		"CompleteSetup": func() error {
			_, err := s.Recovery.CompleteSetup(ctx, "x", gatehouse.Client{}, gatehouse.NewMember{Username: "first", Email: "first@example.com", Password: password})
			return err
		},
		"CreateMember": func() error {
			_, _, err := s.Admin.CreateMember(ctx, actor, gatehouse.Client{}, gatehouse.NewMember{Username: "nobody", Email: "nobody@example.com", Password: password})
			return err
		},
		"ListMembers": func() error {
			_, _, err := s.Admin.ListMembers(ctx, actor, "", gatehouse.MemberFilter{Limit: 10})
			return err
		},
		"UpdateSettings": func() error {
			_, err := s.Admin.UpdateSettings(ctx, actor, gatehouse.Client{}, "", map[string]string{"two_factor": "off"})
			return err
		},
	} {
		if err := try(); err == nil || gatehouse.IsCode(err, gatehouse.Internal) {
			t.Errorf("%s without an organization: %v; want a refusal", name, err)
		}
	}
	if n, err := s.Store.CountMembers(ctx, gatehouse.DefaultOrgID, "", ""); err != nil || n != 1 {
		t.Errorf("the default organization has %d members (%v), want 1", n, err)
	}
	if evs := s.Audit(t, gatehouse.EventResetRequested); len(evs) != 0 {
		t.Errorf("a reset was requested in the default organization: %v", evs)
	}
}
