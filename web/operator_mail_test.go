package web_test

import (
	"net/http"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/operator"
)

// TestOperatorMailSenders, through the real delivery worker and SMTP server:
// mail about an organization goes with that organization's sender (its first
// owner's invitation, an owner's recovery link and the notices to its
// administrators), a new organization's sender is checked as the setting is
// and defaults to the installation's (the default organization's), and mail
// to operators goes with the operators' sender.
func TestOperatorMailSenders(t *testing.T) {
	webtest.Each(t, webtest.Options{Settings: map[string]string{"mail_from_address": "noreply@vendor.example", "mail_from_name": "Vendor"}},
		func(t *testing.T, s *webtest.Server) {
			ctx := t.Context()
			desk := s.App.Desk
			desk.MailFrom, desk.MailFromName = "desk@vendor.example", "Vendor service desk"
			_, key, err := desk.CreateAPIKey(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "provisioning")
			if err != nil {
				t.Fatal(err)
			}
			// from waits for the latest message to addr and returns its
			// envelope sender and its From header.
			from := func(addr string) (string, *mail.Address) {
				t.Helper()
				deadline := time.Now().Add(20 * time.Second)
				for {
					if m, ok := s.SMTP.Last(addr); ok {
						a, err := mail.ParseAddress(m.Header.Get("From"))
						if err != nil {
							t.Fatalf("the From header of the mail to %s: %q: %v", addr, m.Header.Get("From"), err)
						}
						return m.From, a
					}
					if time.Now().After(deadline) {
						t.Fatalf("no mail to %s", addr)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			want := func(what, addr, sender, name string) {
				t.Helper()
				env, hdr := from(addr)
				if env != sender || hdr.Address != sender || hdr.Name != name {
					t.Errorf("%s: MAIL FROM %s, From %q <%s>; want %q <%s>", what, env, hdr.Name, hdr.Address, name, sender)
				}
			}

			if _, err := desk.Add(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, "dora", "dora@vendor.example"); err != nil {
				t.Fatal(err)
			}
			want("an operator's activation", "dora@vendor.example", "desk@vendor.example", "Vendor service desk")

			api := s.URL + "/api/v1/operator/organizations"
			c := s.Browser(t).Client
			for _, bad := range []string{"Acme <login@acme.example>", "login@", "not an address"} {
				st, out := call(t, c, "POST", api, key, `{"slug":"acme","name":"Acme Ltd","hosts":["acme.example.com"],"mail_from_address":"`+bad+`"}`)
				if errs, _ := out["errors"].([]any); st != http.StatusUnprocessableEntity || len(errs) != 1 || errs[0].(map[string]any)["field"] != "mail_from_address" {
					t.Errorf("sender %q: %d %v; want 422 naming mail_from_address", bad, st, out)
				}
			}
			if st, out := call(t, c, "POST", api, key, `{"slug":"acme","name":"Acme Ltd","hosts":["acme.example.com"],"owner_email":"boss@acme.test","mail_from_address":"login@acme.example"}`); st != http.StatusCreated {
				t.Fatalf("create acme: %d %v", st, out)
			}
			want("acme's first owner's invitation", "boss@acme.test", "login@acme.example", "Acme Ltd")
			if st, out := call(t, c, "POST", api, key, `{"slug":"beta","name":"Beta Co","hosts":["beta.example.com"],"owner_email":"boss@beta.test"}`); st != http.StatusCreated {
				t.Fatalf("create beta: %d %v", st, out)
			}
			want("beta's first owner's invitation (the installation's sender)", "boss@beta.test", "noreply@vendor.example", "Beta Co")
			beta, err := s.Store.OrganizationBySlug(ctx, "beta")
			if err != nil {
				t.Fatal(err)
			}
			if set, err := s.App.Account.Settings(ctx, beta.ID); err != nil || set.MailFromAddress != "noreply@vendor.example" || set.SenderName() != "Beta Co" {
				t.Errorf("beta's sender setting: %q %q, %v", set.MailFromAddress, set.SenderName(), err)
			}

			// The owner recovery of acme, and its notice to acme's administrator.
			acme, err := s.Store.OrganizationBySlug(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			sys := gatehouse.SystemActor(acme.ID)
			owner, _, err := s.Admin.CreateMember(ctx, sys, gatehouse.Client{}, gatehouse.NewMember{OrgID: acme.ID, Username: "boss",
				Email: "boss@acme.test", Password: goodPassword, Role: gatehouse.RoleOwner})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Admin.CreateMember(ctx, sys, gatehouse.Client{}, gatehouse.NewMember{OrgID: acme.ID, Username: "ada",
				Email: "ada@acme.test", Password: goodPassword, Role: gatehouse.RoleAdministrator}); err != nil {
				t.Fatal(err)
			}
			h, _ := s.Hasher.Hash(ctx, "602914")
			if err := s.Store.ChangeMember(ctx, acme.ID, owner.ID, gatehouse.MemberChange{SupportPINHash: &h, UpdatedAt: s.Clock.Now()}); err != nil {
				t.Fatal(err)
			}
			dora := gatehouse.Actor{Kind: gatehouse.ActorOperator, ID: "dora-id", Name: "dora"}
			if r, err := desk.CheckPIN(ctx, dora, gatehouse.Client{}, acme.ID, owner.ID, "602914"); err != nil || r != operator.PINMatch {
				t.Fatalf("PIN check: %v %v", r, err)
			}
			n := len(s.SMTP.Messages())
			if err := desk.SendRecovery(ctx, dora, operator.RecoveryRequest{OrgID: acme.ID, MemberID: owner.ID, Reason: "locked out", Ticket: "T-1"}); err != nil {
				t.Fatal(err)
			}
			s.SMTP.WaitFor(t, n+2, 20*time.Second)
			want("acme's owner's recovery link", "boss@acme.test", "login@acme.example", "Acme Ltd")
			want("the notice to acme's administrator", "ada@acme.test", "login@acme.example", "Acme Ltd")
			for _, m := range s.SMTP.Messages() {
				if strings.Contains(m.From, "vendor.example") && strings.Contains(strings.Join(m.To, " "), "acme.test") {
					t.Errorf("mail to acme's people went from %s", m.From)
				}
			}
		})
}
