package org_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// The first-owner invitation creates an owner of its organization only, once;
// a new invitation supersedes the old one; once there is an owner there is no
// invitation, and the service desk sees the owner's contact details.
func TestInvitation(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		svc, clock := newService(t, s)
		rec := webtest.NewApp(t, s, clock, svc.PublicURL).Recovery
		c, err := svc.Create(ctx, desk, gatehouse.Client{}, org.CreateRequest{Slug: "acme", Name: "Acme", Hosts: []string{"acme.example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		first := tokenOf(t, c.Invitation)
		again, err := svc.Invite(ctx, desk, gatehouse.Client{}, "acme", "boss@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		if tok, _ := s.Token(ctx, secret.HashToken(first)); tok == nil || tok.UsedAt.IsZero() {
			t.Errorf("the first invitation still works after a new one: %+v", tok)
		}
		nm := gatehouse.NewMember{Username: "boss", Email: "boss@acme.test", Password: "violet kettle orbit marsh"}
		nm.OrgID = gatehouse.DefaultOrgID
		if _, err := rec.CompleteSetup(ctx, tokenOf(t, again), gatehouse.Client{}, nm); err == nil {
			t.Fatal("acme's invitation created an owner of the default organization")
		}
		nm.OrgID = c.Org.ID
		m, err := rec.CompleteSetup(ctx, tokenOf(t, again), gatehouse.Client{}, nm)
		if err != nil || m.OrgID != c.Org.ID || m.Role != gatehouse.RoleOwner {
			t.Fatalf("CompleteSetup with acme's invitation = %+v, %v", m, err)
		}
		if _, err := rec.CompleteSetup(ctx, tokenOf(t, again), gatehouse.Client{}, nm); err == nil {
			t.Error("the invitation worked twice")
		}
		if _, err := svc.Invite(ctx, desk, gatehouse.Client{}, "acme", ""); !gatehouse.IsCode(err, gatehouse.Conflict) {
			t.Errorf("Invite with an owner = %v; want Conflict", err)
		}
		// The same username and email in another organization is another member.
		nm.OrgID = gatehouse.DefaultOrgID
		link, err := rec.SetupLink(ctx, gatehouse.DefaultOrgID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rec.CompleteSetup(ctx, tokenOf(t, link), gatehouse.Client{}, nm); err != nil {
			t.Fatalf("the same username and email in the default organization: %v", err)
		}
		sum, err := svc.Show(ctx, desk, "acme")
		if err != nil || sum.Members != 1 || len(sum.Owners) != 1 {
			t.Fatalf("Show = %+v, %v; want one member, one owner", sum, err)
		}
		if o := sum.Owners[0]; o.Username != "boss" || o.Email != "boss@acme.test" || o.PINSet {
			t.Errorf("owner as the desk sees it = %+v", o)
		}
		if strings.Contains(strings.ToLower(strings.Join([]string{sum.Owners[0].Username, sum.Owners[0].Email}, " ")), "argon") {
			t.Error("the summary shows a hash")
		}
	})
}
