package app_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/org"
)

// TestSuspensionBelowTheWeb: the use cases themselves refuse a suspended
// organization, whoever calls them (the web layer refuses its hosts too, but
// is not what this relies on). Its members cannot sign in, with a password or
// a passkey, their sessions are refused, its API keys are refused and it gets
// no new ones; another organization goes on; resuming undoes it at once.
func TestSuspensionBelowTheWeb(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		ctx := t.Context()
		a := s.App
		orgs := &org.Service{Store: s.Store, Composer: &mail.Templates{}, PublicURL: s.Web.Config.PublicURL, Now: s.Clock.Now}
		sys := gatehouse.SystemActor(gatehouse.DefaultOrgID)
		c, err := orgs.Create(ctx, sys, gatehouse.Client{}, org.CreateRequest{Slug: "acme", Name: "Acme Ltd", Hosts: []string{"acme.example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		id := c.Org.ID
		const pw = "violet kettle orbit marsh"
		for _, o := range []string{id, gatehouse.DefaultOrgID} {
			if _, _, err := a.Admin.CreateMember(ctx, gatehouse.SystemActor(o), gatehouse.Client{}, gatehouse.NewMember{
				OrgID: o, Username: "ops", Email: "ops@example.com", Password: pw, Role: gatehouse.RoleOwner}); err != nil {
				t.Fatal(err)
			}
		}
		signIn := func(o string) (*account.SignInResult, error) {
			return a.Account.SignIn(ctx, account.SignInRequest{OrgID: o, Identifier: "ops", Password: pw})
		}
		res, err := signIn(id)
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := a.APIKeys.Create(ctx, gatehouse.SystemActor(id), gatehouse.Client{}, id, "crm", gatehouse.RoleAdministrator)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := orgs.Suspend(ctx, sys, gatehouse.Client{}, "acme", "unpaid"); err != nil {
			t.Fatal(err)
		}
		suspended := func(what string, err error) {
			t.Helper()
			if !gatehouse.IsCode(err, gatehouse.Forbidden) || gatehouse.ErrorMessage(err) != gatehouse.SuspendedMessage {
				t.Errorf("%s in a suspended organization: %v; want Forbidden saying it is suspended", what, err)
			}
		}
		_, err = signIn(id)
		suspended("a sign-in", err)
		_, err = a.Account.SignInWithPasskey(ctx, account.PasskeySignInRequest{OrgID: id, Response: []byte("{}")})
		suspended("a passkey sign-in", err)
		_, _, err = a.Account.Authenticate(ctx, id, res.Token)
		suspended("a session", err)
		_, err = a.APIKeys.Authenticate(ctx, id, key, gatehouse.Client{})
		suspended("an API key", err)
		_, _, err = a.APIKeys.Create(ctx, gatehouse.SystemActor(id), gatehouse.Client{}, id, "another", gatehouse.RoleAdministrator)
		suspended("a new API key", err)
		if keys, err := a.APIKeys.List(ctx, gatehouse.SystemActor(id), id); err != nil || len(keys) != 1 {
			t.Errorf("keys of the suspended organization: %d, %v; want the one it had", len(keys), err)
		}
		if _, err := signIn(gatehouse.DefaultOrgID); err != nil {
			t.Errorf("the default organization's member while acme is suspended: %v", err)
		}

		if _, err := orgs.Resume(ctx, sys, gatehouse.Client{}, "acme", ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Account.Authenticate(ctx, id, res.Token); err != nil {
			t.Errorf("the session after resuming: %v", err)
		}
		if _, err := a.APIKeys.Authenticate(ctx, id, key, gatehouse.Client{}); err != nil {
			t.Errorf("the key after resuming: %v", err)
		}
		if _, err := signIn(id); err != nil {
			t.Errorf("a sign-in after resuming: %v", err)
		}
	})
}
