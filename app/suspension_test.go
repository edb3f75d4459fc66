package app_test

import (
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/signin"
)

// TestSuspensionBelowTheWeb: the use cases themselves refuse a suspended
// organization, whoever calls them (the web layer refuses its hosts too, but
// is not what this relies on). Its members cannot sign in, with a password or
// a passkey, their sessions are refused, its API keys are refused and it gets
// no new ones; its activation, reset and setup links and reset requests are
// refused, and so are its OpenID Connect discovery, keys, authorization,
// tokens and userinfo; another organization goes on; resuming undoes it at
// once, and a link that has not expired works again.
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
		signIn := func(o string) (*signin.SignInResult, error) {
			return a.SignIn.SignIn(ctx, signin.SignInRequest{OrgID: o, Identifier: "ops", Password: pw})
		}
		res, err := signIn(id)
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := a.APIKeys.Create(ctx, gatehouse.SystemActor(id), gatehouse.Client{}, id, "crm", gatehouse.RoleAdministrator)
		if err != nil {
			t.Fatal(err)
		}
		_, link, err := a.Admin.CreateMember(ctx, gatehouse.SystemActor(id), gatehouse.Client{}, gatehouse.NewMember{
			OrgID: id, Username: "newbie", Email: "newbie@example.com", Role: gatehouse.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		token := u.Query().Get("token")
		if _, err := a.Recovery.ActivationLink(ctx, id, token, gatehouse.Client{IP: "192.0.2.1"}); err != nil {
			t.Fatalf("the activation link before suspending: %v", err)
		}
		if _, err := a.OIDC.Discovery(ctx, id); err != nil {
			t.Fatalf("discovery before suspending: %v", err)
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
		_, err = a.SignIn.SignInWithPasskey(ctx, signin.PasskeySignInRequest{OrgID: id, Response: []byte("{}")})
		suspended("a passkey sign-in", err)
		_, _, err = a.SignIn.Authenticate(ctx, id, res.Token)
		suspended("a session", err)
		_, err = a.APIKeys.Authenticate(ctx, id, key, gatehouse.Client{})
		suspended("an API key", err)
		_, _, err = a.APIKeys.Create(ctx, gatehouse.SystemActor(id), gatehouse.Client{}, id, "another", gatehouse.RoleAdministrator)
		suspended("a new API key", err)
		cl := gatehouse.Client{IP: "192.0.2.1"}
		_, err = a.Recovery.ActivationLink(ctx, id, token, cl)
		suspended("an activation link", err)
		_, err = a.Recovery.CompleteActivation(ctx, recovery.CompleteLinkRequest{OrgID: id, Token: token, New: pw, Confirm: pw, Client: cl})
		suspended("completing an activation", err)
		_, err = a.Recovery.ResetLink(ctx, id, token, cl)
		suspended("a reset link", err)
		_, err = a.Recovery.CompleteReset(ctx, recovery.CompleteLinkRequest{OrgID: id, Token: token, New: pw, Confirm: pw, Client: cl})
		suspended("completing a reset", err)
		_, _, err = a.Recovery.ForgotPasswordForm(ctx, id)
		suspended("the forgotten-password form", err)
		err = a.Recovery.RequestReset(ctx, recovery.ResetRequest{OrgID: id, Identifier: "ops", Client: cl})
		suspended("a reset request", err)
		_, err = a.Recovery.CheckToken(ctx, id, token, gatehouse.PurposeSetup, cl)
		suspended("a setup link", err)
		_, err = a.OIDC.Discovery(ctx, id)
		suspended("OpenID Connect discovery", err)
		_, err = a.OIDC.JWKS(ctx, id)
		suspended("the signing keys", err)
		_, err = a.OIDC.Authorize(ctx, id, url.Values{"client_id": {"app"}})
		suspended("an authorization request", err)
		_, _, err = a.OIDC.Request(ctx, id, "request")
		suspended("resuming an authorization request", err)
		_, err = a.OIDC.Exchange(ctx, id, &oidc.Client{ID: "app", OrgID: id}, url.Values{"grant_type": {"refresh_token"}}, cl)
		suspended("a token request", err)
		_, err = a.OIDC.UserInfo(ctx, id, "token")
		suspended("userinfo", err)
		if _, err := a.OIDC.Discovery(ctx, gatehouse.DefaultOrgID); err != nil {
			t.Errorf("the default organization's discovery while acme is suspended: %v", err)
		}
		if keys, err := a.APIKeys.List(ctx, gatehouse.SystemActor(id), id); err != nil || len(keys) != 1 {
			t.Errorf("keys of the suspended organization: %d, %v; want the one it had", len(keys), err)
		}
		if _, err := signIn(gatehouse.DefaultOrgID); err != nil {
			t.Errorf("the default organization's member while acme is suspended: %v", err)
		}

		if _, err := orgs.Resume(ctx, sys, gatehouse.Client{}, "acme", ""); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.SignIn.Authenticate(ctx, id, res.Token); err != nil {
			t.Errorf("the session after resuming: %v", err)
		}
		if _, err := a.APIKeys.Authenticate(ctx, id, key, gatehouse.Client{}); err != nil {
			t.Errorf("the key after resuming: %v", err)
		}
		if _, err := signIn(id); err != nil {
			t.Errorf("a sign-in after resuming: %v", err)
		}
		if _, err := a.Recovery.ActivationLink(ctx, id, token, cl); err != nil {
			t.Errorf("the unexpired activation link after resuming: %v", err)
		}
		if _, err := a.Recovery.CompleteActivation(ctx, recovery.CompleteLinkRequest{OrgID: id, Token: token, New: pw, Confirm: pw, Client: cl}); err != nil {
			t.Errorf("completing the activation after resuming: %v", err)
		}
		if _, err := a.OIDC.Discovery(ctx, id); err != nil {
			t.Errorf("discovery after resuming: %v", err)
		}
	})
}
