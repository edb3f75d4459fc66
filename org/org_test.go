package org_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

var ctx = context.Background()

var desk = gatehouse.Actor{Kind: gatehouse.ActorOperator, ID: "op1", Name: "dora"}

func newService(t *testing.T, s *sqlstore.Store) (*org.Service, *gatehousetest.Clock) {
	pub, _ := url.Parse("https://login.example.com/auth/")
	clock := gatehousetest.NewClock()
	return &org.Service{Store: s, Composer: &mail.Templates{}, PublicURL: pub, Now: clock.Now}, clock
}

// tokenOf returns the token of a link's token parameter.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	return u.Query().Get("token")
}

func events(t *testing.T, s *sqlstore.Store, orgID string, typ gatehouse.EventType) []*gatehouse.AuditEvent {
	t.Helper()
	evs, _, err := s.AuditEvents(ctx, orgID, gatehouse.AuditFilter{Types: []gatehouse.EventType{typ}, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestCreate(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		svc, clock := newService(t, s)
		c := gatehouse.Client{IP: "192.0.2.7"}
		got, err := svc.Create(ctx, desk, c, org.CreateRequest{Slug: "acme", Name: " Acme Ltd ",
			Hosts: []string{"Acme.Example.com.", "acme.example.com", "login.acme.test:8443"}, OwnerEmail: "boss@acme.test"})
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		want := "https://acme.example.com/auth/setup?token="
		if !strings.HasPrefix(got.Invitation, want) {
			t.Errorf("invitation link %q; want it on the organization's first host: %s...", got.Invitation, want)
		}
		o, err := s.OrganizationBySlug(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if o.ID != got.Org.ID || o.Name != "Acme Ltd" || o.State != gatehouse.OrgActive ||
			strings.Join(o.Hosts, " ") != "acme.example.com login.acme.test:8443" {
			t.Errorf("stored %+v; want Acme Ltd, active, two hosts in order", o)
		}
		set, _ := s.Settings(ctx, o.ID)
		if set["organization_name"] != "Acme Ltd" {
			t.Errorf("organization_name setting = %q", set["organization_name"])
		}
		tok, err := s.Token(ctx, secret.HashToken(tokenOf(t, got.Invitation)))
		if err != nil || tok.OrgID != o.ID || tok.Purpose != gatehouse.PurposeSetup || !tok.ExpiresAt.Equal(clock.Now().Add(24*time.Hour)) {
			t.Errorf("invitation token %+v, %v; want a setup token of acme for 24 hours", tok, err)
		}
		msgs, _, err := s.Messages(ctx, o.ID, gatehouse.MessageFilter{Limit: 10})
		if err != nil || len(msgs) != 1 || msgs[0].To != "boss@acme.test" || msgs[0].Kind != gatehouse.KindOwnerInvitation {
			t.Fatalf("messages of acme = %v, %v; want one invitation to boss@acme.test", msgs, err)
		}
		if m, _ := s.Message(ctx, o.ID, msgs[0].ID); !strings.Contains(m.Text, got.Invitation) {
			t.Errorf("the invitation email does not hold the link:\n%s", m.Text)
		}
		if evs := events(t, s, o.ID, gatehouse.EventOrgCreated); len(evs) != 1 || evs[0].ActorName != "dora" || evs[0].IP != "192.0.2.7" {
			t.Errorf("organization.created events = %+v", evs)
		}
		if evs := events(t, s, gatehouse.DefaultOrgID, gatehouse.EventOrgCreated); len(evs) != 0 {
			t.Errorf("the default organization's log has %d creation events of acme", len(evs))
		}
	})
}

func TestCreateRefusals(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		svc, _ := newService(t, s)
		if _, err := svc.Create(ctx, desk, gatehouse.Client{}, org.CreateRequest{Slug: "acme", Name: "Acme", Hosts: []string{"acme.example.com"}}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			actor gatehouse.Actor
			req   org.CreateRequest
			code  gatehouse.Code
			field string
		}{
			{"bad slug", desk, org.CreateRequest{Slug: "Acme!", Name: "A", Hosts: []string{"a.example.com"}}, gatehouse.Invalid, "slug"},
			{"no name", desk, org.CreateRequest{Slug: "beta", Hosts: []string{"b.example.com"}}, gatehouse.Invalid, "name"},
			{"no host", desk, org.CreateRequest{Slug: "beta", Name: "B"}, gatehouse.Invalid, "hosts"},
			{"bad host", desk, org.CreateRequest{Slug: "beta", Name: "B", Hosts: []string{"b_x.example.com"}}, gatehouse.Invalid, "hosts"},
			{"public host", desk, org.CreateRequest{Slug: "beta", Name: "B", Hosts: []string{"LOGIN.example.com"}}, gatehouse.Invalid, "hosts"},
			{"bad email", desk, org.CreateRequest{Slug: "beta", Name: "B", Hosts: []string{"b.example.com"}, OwnerEmail: "nope"}, gatehouse.Invalid, "owner_email"},
			{"slug taken", desk, org.CreateRequest{Slug: "acme", Name: "B", Hosts: []string{"b.example.com"}}, gatehouse.Invalid, "slug"},
			{"host taken", desk, org.CreateRequest{Slug: "beta", Name: "B", Hosts: []string{"b.example.com", "ACME.example.com"}}, gatehouse.Invalid, "hosts"},
			{"an owner", gatehouse.Actor{Kind: gatehouse.ActorMember, ID: "m", Role: gatehouse.RoleOwner}, org.CreateRequest{Slug: "beta", Name: "B", Hosts: []string{"b.example.com"}}, gatehouse.Forbidden, ""},
			{"an owner API key", gatehouse.Actor{Kind: gatehouse.ActorAPIKey, ID: "k", Role: gatehouse.RoleOwner}, org.CreateRequest{Slug: "beta", Name: "B", Hosts: []string{"b.example.com"}}, gatehouse.Forbidden, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := svc.Create(ctx, tc.actor, gatehouse.Client{}, tc.req)
				if gatehouse.ErrorCode(err) != tc.code {
					t.Fatalf("Create = %v; want %s", err, tc.code)
				}
				var e *gatehouse.Error
				if tc.field != "" && (!errorsAs(err, &e) || len(e.Fields) == 0 || e.Fields[0].Field != tc.field) {
					t.Errorf("Create = %v; want the field %s named", err, tc.field)
				}
			})
		}
		all, _, err := svc.List(ctx, desk, org.Filter{})
		if err != nil || len(all) != 2 {
			t.Errorf("List after refusals = %d organizations, %v; want default and acme only", len(all), err)
		}
	})
}

func TestByHost(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		svc, _ := newService(t, s)
		// Before any organization has a host, every host is the default
		// organization's, as in an installation from before organizations.
		if o, err := svc.ByHost(ctx, "127.0.0.1:8080"); err != nil || o.ID != gatehouse.DefaultOrgID {
			t.Errorf("ByHost with no hosts anywhere = %v, %v; want the default organization", o, err)
		}
		c, err := svc.Create(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, org.CreateRequest{Slug: "acme", Name: "Acme",
			Hosts: []string{"acme.example.com", "acme.localhost:8080"}})
		if err != nil {
			t.Fatal(err)
		}
		for host, want := range map[string]string{
			"acme.example.com": c.Org.ID, "ACME.example.com.": c.Org.ID, "acme.localhost:8080": c.Org.ID,
			"login.example.com": gatehouse.DefaultOrgID, "Login.Example.com": gatehouse.DefaultOrgID,
			"acme.localhost": "", "acme.example.com:8443": "", "www.acme.example.com": "", "example.com": "",
		} {
			o, err := svc.ByHost(ctx, host)
			switch {
			case want == "" && !gatehouse.IsCode(err, gatehouse.NotFound):
				t.Errorf("ByHost(%q) = %v, %v; want NotFound (an exact match only)", host, o, err)
			case want != "" && (err != nil || o.ID != want):
				t.Errorf("ByHost(%q) = %v, %v; want %s", host, o, err, want)
			}
		}
	})
}

func TestUpdateSuspendResume(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		svc, _ := newService(t, s)
		for _, r := range []org.CreateRequest{
			{Slug: "acme", Name: "Acme", Hosts: []string{"acme.example.com"}},
			{Slug: "beta", Name: "Beta", Hosts: []string{"beta.example.com"}},
		} {
			if _, err := svc.Create(ctx, desk, gatehouse.Client{}, r); err != nil {
				t.Fatal(err)
			}
		}
		name := "Acme Group"
		o, err := svc.Update(ctx, desk, gatehouse.Client{}, "acme", org.UpdateRequest{Name: &name, Hosts: []string{"id.acme.example", "acme.example.com"}})
		if err != nil || o.Name != name || strings.Join(o.Hosts, " ") != "id.acme.example acme.example.com" {
			t.Fatalf("Update = %+v, %v", o, err)
		}
		if _, err := svc.ByHost(ctx, "id.acme.example"); err != nil {
			t.Errorf("the new host does not answer: %v", err)
		}
		_, err = svc.Update(ctx, desk, gatehouse.Client{}, "beta", org.UpdateRequest{Hosts: []string{"acme.example.com"}})
		if gatehouse.ErrorCode(err) != gatehouse.Invalid {
			t.Errorf("taking another organization's host = %v; want Invalid", err)
		}
		if b, _ := svc.ByHost(ctx, "beta.example.com"); b == nil || b.Slug != "beta" {
			t.Errorf("a refused update changed beta's hosts")
		}
		_, err = svc.Update(ctx, desk, gatehouse.Client{}, gatehouse.DefaultOrgID, org.UpdateRequest{Hosts: []string{"x.example.com"}})
		if gatehouse.ErrorCode(err) != gatehouse.Invalid {
			t.Errorf("giving the default organization hosts = %v; want Invalid", err)
		}
		if evs := events(t, s, o.ID, gatehouse.EventOrgUpdated); len(evs) != 1 || !strings.Contains(evs[0].Details["hosts"], "id.acme.example") {
			t.Errorf("organization.updated events = %+v", evs)
		}

		if o, err = svc.Suspend(ctx, desk, gatehouse.Client{}, "acme", "unpaid invoices"); err != nil || !o.Suspended() {
			t.Fatalf("Suspend = %+v, %v", o, err)
		}
		if got, _ := s.OrganizationBySlug(ctx, "acme"); !got.Suspended() {
			t.Errorf("stored state after Suspend = %s", got.State)
		}
		list, _, _ := svc.List(ctx, desk, org.Filter{State: gatehouse.OrgSuspended})
		if len(list) != 1 || list[0].Org.Slug != "acme" {
			t.Errorf("suspended organizations = %v; want acme", list)
		}
		if o, err = svc.Resume(ctx, desk, gatehouse.Client{}, "acme", "paid"); err != nil || o.Suspended() {
			t.Fatalf("Resume = %+v, %v", o, err)
		}
		if evs := events(t, s, o.ID, gatehouse.EventOrgSuspended); len(evs) != 1 || evs[0].Details["reason"] != "unpaid invoices" {
			t.Errorf("suspension events = %+v", evs)
		}
		if evs := events(t, s, o.ID, gatehouse.EventOrgResumed); len(evs) != 1 {
			t.Errorf("resumption events = %+v", evs)
		}
		if _, err := svc.Suspend(ctx, gatehouse.Actor{Kind: gatehouse.ActorMember, Role: gatehouse.RoleOwner}, gatehouse.Client{}, "beta", ""); !gatehouse.IsCode(err, gatehouse.Forbidden) {
			t.Errorf("an owner suspending = %v; want Forbidden", err)
		}
		if _, err := svc.Suspend(ctx, desk, gatehouse.Client{}, "nope", ""); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Errorf("suspending an unknown slug = %v; want NotFound", err)
		}
		// The default organization answers on the public URL: suspending it
		// would take that sign-in down, so it is refused, saying why.
		if _, err := svc.Suspend(ctx, desk, gatehouse.Client{}, gatehouse.DefaultOrgID, ""); !gatehouse.IsCode(err, gatehouse.Forbidden) ||
			!strings.Contains(gatehouse.ErrorMessage(err), "public URL") {
			t.Errorf("suspending the default organization = %v; want Forbidden naming the public URL", err)
		}
		if d, _ := s.Organization(ctx, gatehouse.DefaultOrgID); d.Suspended() {
			t.Errorf("the default organization was suspended")
		}
	})
}

func TestListSearch(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		svc, _ := newService(t, s)
		for _, r := range []org.CreateRequest{
			{Slug: "acme", Name: "Acme Ltd", Hosts: []string{"acme.example.com"}},
			{Slug: "beta", Name: "Beta_Co", Hosts: []string{"login.beta.test"}},
			{Slug: "gamma", Name: "Gamma", Hosts: []string{"gamma.example.com"}},
		} {
			if _, err := svc.Create(ctx, desk, gatehouse.Client{}, r); err != nil {
				t.Fatal(err)
			}
		}
		for q, want := range map[string]string{
			"": "acme beta default gamma", "ACME": "acme", "beta.test": "beta", "example.com": "acme gamma",
			"_co": "beta", "e_c": "", "a_c": "beta", "%": "",
		} {
			list, _, err := svc.List(ctx, desk, org.Filter{Query: q})
			var got []string
			for _, sum := range list {
				got = append(got, sum.Org.Slug)
			}
			if err != nil || strings.Join(got, " ") != want {
				t.Errorf("List(%q) = %v, %v; want %s", q, got, err, want)
			}
		}
		page, next, err := svc.List(ctx, desk, org.Filter{Limit: 2})
		if err != nil || len(page) != 2 || next != "beta" {
			t.Fatalf("first page = %d, %q, %v", len(page), next, err)
		}
		page, next, err = svc.List(ctx, desk, org.Filter{Limit: 2, Cursor: next})
		if err != nil || len(page) != 2 || page[0].Org.Slug != "default" || next != "" {
			t.Errorf("second page = %v, %q, %v", page, next, err)
		}
	})
}
