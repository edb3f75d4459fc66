package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"golang.org/x/oauth2"
)

// The tests below are named after the checks of the OpenID Foundation's
// basic OP test plan (oidcc-basic-certification-test-plan) they mirror.

const pw = "correct horse battery"

func planServer(t *testing.T) (*webtest.Server, *relyingParty, *gatehouse.Member) {
	s := webtest.New(t, webtest.Options{})
	m := s.AddMember(t, "ada", "ada@example.com", pw, gatehouse.RoleMember)
	return s, newRP(t, s, oidc.NewClient{FirstParty: true}), m
}

// oidcc-ensure-registered-redirect-uri: an unregistered redirect URI is
// shown an error, never redirected to.
func TestOIDCEnsureRegisteredRedirectURI(t *testing.T) {
	s, rp, _ := planServer(t)
	for _, ru := range []string{rp.conf.RedirectURL + "x", rp.conf.RedirectURL + "?a=1", strings.ToUpper(rp.conf.RedirectURL), "https://evil.example/callback"} {
		conf := rp.conf
		conf.RedirectURL = ru
		r := s.Browser(t).Get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if r.Status != http.StatusBadRequest || r.Location != "" || !strings.Contains(r.Body, "redirect URI is not registered") {
			t.Errorf("redirect_uri %s: %d to %q", ru, r.Status, r.Location)
		}
	}
	// An unknown client likewise.
	conf := rp.conf
	conf.ClientID = "nosuchclient"
	if r := s.Browser(t).Get(conf.AuthCodeURL("st")); r.Status != http.StatusBadRequest || r.Location != "" {
		t.Errorf("unknown client: %d to %q", r.Status, r.Location)
	}
}

// oidcc-codereuse: a code works once; its second use fails and ends what
// the first obtained.
func TestOIDCCodeReuse(t *testing.T) {
	s, rp, _ := planServer(t)
	f := rp.start()
	code := rp.signIn(s.Browser(t), f, "ada", pw)
	tok, _ := rp.exchange(code, f)
	_, err := rp.conf.Exchange(rp.ctx, code, oauth2.VerifierOption(f.verifier))
	if got := oauthErr(err); got != "invalid_grant" {
		t.Fatalf("second use: %q, want invalid_grant", got)
	}
	if _, err := rp.provider.UserInfo(rp.ctx, oauth2.StaticTokenSource(tok)); err == nil {
		t.Errorf("the access token of a reused code still works")
	}
	if evs := s.Audit(t, oidc.EventTokenRefused); len(evs) != 1 || evs[0].Details["reason"] != "code_reused" {
		t.Errorf("audit %v", evs)
	}
}

// PKCE (RFC 7636, required by the plan for public clients): a missing or
// wrong code_verifier is invalid_grant.
func TestOIDCPKCEVerifier(t *testing.T) {
	s, rp, _ := planServer(t)
	for name, opts := range map[string][]oauth2.AuthCodeOption{
		"missing": nil,
		"wrong":   {oauth2.VerifierOption(oauth2.GenerateVerifier())},
	} {
		f := rp.start()
		code := rp.signIn(s.Browser(t), f, "ada", pw)
		_, err := rp.conf.Exchange(rp.ctx, code, opts...)
		if got := oauthErr(err); got != "invalid_grant" {
			t.Errorf("%s verifier: %q, want invalid_grant", name, got)
		}
	}
	// A plain challenge method is refused at the authorization request.
	f := rp.start(oauth2.SetAuthURLParam("code_challenge_method", "plain"))
	q := rp.callbackQuery(s.Browser(t).Get(f.url))
	if q.Get("error") != "invalid_request" {
		t.Errorf("plain: %v", q)
	}
}

// A code issued to one client is refused to another.
func TestOIDCCodeOfAnotherClient(t *testing.T) {
	s, rp, _ := planServer(t)
	other := newRP(t, s, oidc.NewClient{Name: "Other", FirstParty: true, RedirectURIs: []string{rp.conf.RedirectURL}})
	f := rp.start()
	code := rp.signIn(s.Browser(t), f, "ada", pw)
	_, err := other.conf.Exchange(rp.ctx, code, oauth2.VerifierOption(f.verifier))
	if got := oauthErr(err); got != "invalid_grant" {
		t.Errorf("another client's code: %q, want invalid_grant", got)
	}
}

// An expired code is refused.
func TestOIDCExpiredCode(t *testing.T) {
	s, rp, _ := planServer(t)
	f := rp.start()
	code := rp.signIn(s.Browser(t), f, "ada", pw)
	s.Clock.Advance(oidc.DefaultCodeTTL + time.Second)
	_, err := rp.conf.Exchange(rp.ctx, code, oauth2.VerifierOption(f.verifier))
	if got := oauthErr(err); got != "invalid_grant" {
		t.Errorf("expired code: %q, want invalid_grant", got)
	}
}

// oidcc-ensure-redirect-uri-in-authorization-request: the token request's
// redirect_uri must be the authorization request's.
func TestOIDCEnsureRedirectURIInTokenRequest(t *testing.T) {
	s, rp, _ := planServer(t)
	f := rp.start()
	code := rp.signIn(s.Browser(t), f, "ada", pw)
	conf := rp.conf
	conf.RedirectURL = ""
	_, err := conf.Exchange(rp.ctx, code, oauth2.VerifierOption(f.verifier))
	if got := oauthErr(err); got != "invalid_grant" {
		t.Errorf("no redirect_uri: %q, want invalid_grant", got)
	}
}

// oidcc-nonce-in-id-token... the nonce is echoed in the ID token (exchange
// checks it), and a request without one gets an ID token without one.
func TestOIDCNonceEchoed(t *testing.T) {
	s, rp, _ := planServer(t)
	f := rp.start(oauth2.SetAuthURLParam("nonce", "n-0S6_WzA2Mj"))
	f.nonce = "n-0S6_WzA2Mj"
	rp.exchange(rp.signIn(s.Browser(t), f, "ada", pw), f)

	b := s.Browser(t)
	f = rp.start(oauth2.SetAuthURLParam("nonce", ""))
	f.nonce = ""
	rp.exchange(rp.signIn(b, f, "ada", pw), f)
}

// oidcc-prompt-none-not-logged-in: prompt=none without a session answers
// login_required to the application, with the state.
func TestOIDCPromptNoneNotLoggedIn(t *testing.T) {
	s, rp, _ := planServer(t)
	f := rp.start(oauth2.SetAuthURLParam("prompt", "none"))
	q := rp.callbackQuery(s.Browser(t).Get(f.url))
	if q.Get("error") != "login_required" || q.Get("state") != f.state || q.Get("iss") != s.URL {
		t.Errorf("prompt=none: %v", q)
	}
}

// oidcc-prompt-none-logged-in: with a session, prompt=none gives a code at once.
func TestOIDCPromptNoneLoggedIn(t *testing.T) {
	s, rp, _ := planServer(t)
	b := s.Browser(t)
	f := rp.start()
	rp.exchange(rp.signIn(b, f, "ada", pw), f)
	f = rp.start(oauth2.SetAuthURLParam("prompt", "none"))
	rp.exchange(rp.code(rp.callbackQuery(b.Get(f.url)), f), f)
}

// oidcc-prompt-login: prompt=login makes a signed-in member sign in again,
// and auth_time says when.
func TestOIDCPromptLogin(t *testing.T) {
	s, rp, _ := planServer(t)
	b := s.Browser(t)
	f := rp.start()
	_, first := rp.exchange(rp.signIn(b, f, "ada", pw), f)
	s.Clock.Advance(time.Minute)
	f = rp.start(oauth2.SetAuthURLParam("prompt", "login"))
	_, second := rp.exchange(rp.signIn(b, f, "ada", pw), f)
	var a, c struct {
		AuthTime int64 `json:"auth_time"`
	}
	_ = first.Claims(&a)
	_ = second.Claims(&c)
	if c.AuthTime != a.AuthTime+60 {
		t.Errorf("auth_time %d after %d, want a minute later", c.AuthTime, a.AuthTime)
	}
}

// oidcc-max-age-1: a session older than max_age signs in again; a younger
// one does not.
func TestOIDCMaxAge(t *testing.T) {
	s, rp, _ := planServer(t)
	b := s.Browser(t)
	f := rp.start()
	rp.exchange(rp.signIn(b, f, "ada", pw), f)
	f = rp.start(oauth2.SetAuthURLParam("max_age", "300"))
	rp.exchange(rp.code(rp.callbackQuery(b.Get(f.url)), f), f)
	s.Clock.Advance(2 * time.Second)
	f = rp.start(oauth2.SetAuthURLParam("max_age", "1"))
	rp.exchange(rp.signIn(b, f, "ada", pw), f)
}

// oidcc-login-hint: the hint fills in the sign-in form.
func TestOIDCLoginHint(t *testing.T) {
	s, rp, _ := planServer(t)
	b := s.Browser(t)
	f := rp.start(oauth2.SetAuthURLParam("login_hint", "ada@example.com"))
	r := b.Follow(b.Get(f.url))
	if !strings.Contains(r.Body, `value="ada@example.com"`) {
		t.Errorf("the hint is not in the form:\n%s", r.Body)
	}
}

// oidcc-response-type-missing and unsupported types go back as errors.
func TestOIDCResponseTypeMissing(t *testing.T) {
	s, rp, _ := planServer(t)
	f := rp.start(oauth2.SetAuthURLParam("response_type", "token"))
	if q := rp.callbackQuery(s.Browser(t).Get(f.url)); q.Get("error") != "unsupported_response_type" {
		t.Errorf("response_type=token: %v", q)
	}
	u, _ := url.Parse(rp.start().url)
	q := u.Query()
	q.Del("scope")
	q.Set("scope", "profile")
	u.RawQuery = q.Encode()
	if q := rp.callbackQuery(s.Browser(t).Get(u.String())); q.Get("error") != "invalid_scope" {
		t.Errorf("no openid scope: %v", q)
	}
}

// A disabled member's code, taken before, gets no tokens.
func TestOIDCDisabledMemberRefused(t *testing.T) {
	s, rp, m := planServer(t)
	f := rp.start()
	code := rp.signIn(s.Browser(t), f, "ada", pw)
	if _, err := s.Admin.SetMemberState(rp.ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, m.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err := rp.conf.Exchange(rp.ctx, code, oauth2.VerifierOption(f.verifier))
	if got := oauthErr(err); got != "invalid_grant" {
		t.Errorf("disabled member: %q, want invalid_grant", got)
	}
}

// A member whose password has expired renews it on Gatehouse's page and
// goes on to the application.
func TestOIDCForcedRenewalContinues(t *testing.T) {
	s, rp, m := planServer(t)
	m.MustChangePassword = true
	s.Overwrite(t, m)
	b := s.Browser(t)
	f := rp.start()
	r := b.Get(f.url)
	next, _ := url.Parse(r.Location)
	r = b.Submit(r.Location, "/login", url.Values{"identifier": {"ada"}, "password": {pw}, "next": {next.Query().Get("next")}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login/renew?next=") {
		t.Fatalf("sign-in: %d to %q", r.Status, r.Location)
	}
	page := b.Get(r.Location)
	action := regexp.MustCompile(`action="(/login/renew\?next=[^"]+)"`).FindStringSubmatch(page.Body)
	if action == nil {
		t.Fatalf("the renewal form does not carry next:\n%s", page.Body)
	}
	r = b.Post(html.UnescapeString(action[1]), url.Values{"new_password": {"a brand new passphrase 7"}, "confirm_password": {"a brand new passphrase 7"}})
	rp.exchange(rp.code(rp.callback(b, r), f), f)
}
