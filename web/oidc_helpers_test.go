package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	goidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/oidc"
	"golang.org/x/oauth2"
)

// relyingParty is an application signing members in through the server
// under test with the real go-oidc and x/oauth2 libraries. Its server
// receives back-channel logouts and verifies them with go-oidc.
type relyingParty struct {
	t        *testing.T
	s        *webtest.Server
	ctx      context.Context
	client   *oidc.Client
	secret   string
	provider *goidc.Provider
	verifier *goidc.IDTokenVerifier
	conf     oauth2.Config
	srv      *httptest.Server
	// base is the organization's URL (its issuer), orgID the organization.
	base, orgID string

	mu      sync.Mutex
	logouts []*goidc.LogoutToken
}

// newRP registers an application of the default organization (n's redirect
// URI is the RP's own /callback when empty) and discovers the provider.
func newRP(t *testing.T, s *webtest.Server, n oidc.NewClient) *relyingParty {
	t.Helper()
	return newRPIn(t, s, gatehouse.DefaultOrgID, s.URL, nil, n)
}

// newRPIn registers an application of the organization orgID, whose URL
// (and issuer) is base, and discovers the provider there; hc, when set, is
// the HTTP client the application's libraries use.
func newRPIn(t *testing.T, s *webtest.Server, orgID, base string, hc *http.Client, n oidc.NewClient) *relyingParty {
	t.Helper()
	rp := &relyingParty{t: t, s: s, ctx: context.Background(), base: base, orgID: orgID}
	if hc != nil {
		rp.ctx = goidc.ClientContext(rp.ctx, hc)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /backchannel", func(w http.ResponseWriter, r *http.Request) {
		lt, err := rp.verifier.VerifyLogout(r.Context(), r.PostFormValue("logout_token"))
		if err != nil {
			t.Errorf("back-channel logout token: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rp.mu.Lock()
		rp.logouts = append(rp.logouts, lt)
		rp.mu.Unlock()
	})
	rp.srv = httptest.NewServer(mux)
	t.Cleanup(rp.srv.Close)
	if n.Name == "" {
		n.Name = "CRM"
	}
	if len(n.RedirectURIs) == 0 {
		n.RedirectURIs = []string{rp.srv.URL + "/callback"}
	}
	if n.BackchannelLogoutURI == "-" {
		n.BackchannelLogoutURI = ""
	} else if n.BackchannelLogoutURI == "" {
		n.BackchannelLogoutURI = rp.srv.URL + "/backchannel"
	}
	var err error
	rp.client, rp.secret, err = s.OIDC.Clients.Create(rp.ctx, gatehouse.SystemActor(orgID), gatehouse.Client{}, orgID, n)
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	if rp.provider, err = goidc.NewProvider(rp.ctx, base); err != nil {
		t.Fatalf("discovery: %v", err)
	}
	rp.verifier = rp.provider.Verifier(&goidc.Config{ClientID: rp.client.ID, Now: s.Clock.Now})
	rp.conf = oauth2.Config{
		ClientID: rp.client.ID, ClientSecret: rp.secret, Endpoint: rp.provider.Endpoint(),
		RedirectURL: n.RedirectURIs[0], Scopes: []string{goidc.ScopeOpenID, "profile", "email"},
	}
	rp.conf.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	return rp
}

// flow is one authorization request: its PKCE verifier, state and nonce.
type flow struct {
	verifier, state, nonce string
	url                    string
}

func (rp *relyingParty) start(opts ...oauth2.AuthCodeOption) *flow {
	f := &flow{verifier: oauth2.GenerateVerifier(), state: oauth2.GenerateVerifier()[:16], nonce: oauth2.GenerateVerifier()[:16]}
	opts = append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(f.verifier), goidc.Nonce(f.nonce)}, opts...)
	f.url = rp.conf.AuthCodeURL(f.state, opts...)
	return f
}

var continueRe = regexp.MustCompile(`id="oidc-continue" class="button primary" href="([^"]+)"`)

// callback follows the browser from r to the redirect back to the
// application (through the interstitial page when there is one) and returns
// the query the application receives.
func (rp *relyingParty) callback(b *webtest.Browser, r *webtest.Response) url.Values {
	rp.t.Helper()
	for i := 0; i < 5 && r.Status == http.StatusSeeOther && r.Location != "" && r.Location[0] == '/'; i++ {
		r = b.Get(rp.base + r.Location)
	}
	to := r.Location
	if r.Status == http.StatusOK {
		m := continueRe.FindStringSubmatch(r.Body)
		if m == nil {
			rp.t.Fatalf("no way back to the application: %d\n%s", r.Status, r.Body)
		}
		to = html.UnescapeString(m[1])
		if !strings.Contains(r.Body, `<meta http-equiv="refresh" content="0; url=`+m[1]+`">`) {
			rp.t.Fatalf("the page does not navigate back by itself:\n%s", r.Body)
		}
	}
	u, err := url.Parse(to)
	if err != nil || u.Scheme+"://"+u.Host+u.Path != rp.conf.RedirectURL {
		rp.t.Fatalf("redirect to %q, want %s (status %d)\n%s", to, rp.conf.RedirectURL, r.Status, r.Body)
	}
	return u.Query()
}

// signIn runs f in browser b for a member not signed in yet and returns the
// code (the state is checked).
func (rp *relyingParty) signIn(b *webtest.Browser, f *flow, identifier, password string) string {
	rp.t.Helper()
	r := b.Get(f.url)
	if r.Status != http.StatusSeeOther || !regexp.MustCompile(`^/login\?`).MatchString(r.Location) {
		rp.t.Fatalf("authorize: %d to %q, want the sign-in page\n%s", r.Status, r.Location, r.Body)
	}
	next, _ := url.Parse(r.Location)
	r = b.Submit(rp.base+r.Location, rp.base+"/login", url.Values{"identifier": {identifier}, "password": {password}, "next": {next.Query().Get("next")}})
	return rp.code(rp.callback(b, r), f)
}

func (rp *relyingParty) code(q url.Values, f *flow) string {
	rp.t.Helper()
	if q.Get("error") != "" || q.Get("code") == "" {
		rp.t.Fatalf("no code: %v", q)
	}
	if q.Get("state") != f.state {
		rp.t.Fatalf("state %q, want %q", q.Get("state"), f.state)
	}
	if q.Get("iss") != rp.base {
		rp.t.Fatalf("iss %q, want %q", q.Get("iss"), rp.base)
	}
	return q.Get("code")
}

// exchange redeems a code and verifies the ID token as an application would.
func (rp *relyingParty) exchange(code string, f *flow) (*oauth2.Token, *goidc.IDToken) {
	rp.t.Helper()
	tok, err := rp.conf.Exchange(rp.ctx, code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		rp.t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := rp.verifier.Verify(rp.ctx, raw)
	if err != nil {
		rp.t.Fatalf("verify ID token: %v", err)
	}
	if id.Nonce != f.nonce {
		rp.t.Fatalf("nonce %q, want %q", id.Nonce, f.nonce)
	}
	if err := id.VerifyAccessToken(tok.AccessToken); err != nil {
		rp.t.Fatalf("at_hash: %v", err)
	}
	return tok, id
}

// oauthErr returns the OAuth error code of a failed token request.
func oauthErr(err error) string {
	var re *oauth2.RetrieveError
	if err == nil {
		return ""
	}
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return err.Error()
}

func (rp *relyingParty) received() []*goidc.LogoutToken {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return append([]*goidc.LogoutToken(nil), rp.logouts...)
}

// callbackQuery returns the query of a direct redirect to the application.
func (rp *relyingParty) callbackQuery(r *webtest.Response) url.Values {
	rp.t.Helper()
	u, err := url.Parse(r.Location)
	if err != nil || r.Status != http.StatusFound || u.Scheme+"://"+u.Host+u.Path != rp.conf.RedirectURL {
		rp.t.Fatalf("want a redirect to the application, got %d to %q\n%s", r.Status, r.Location, r.Body)
	}
	return u.Query()
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func mustSID(t *testing.T, id *goidc.IDToken) string {
	t.Helper()
	var c struct {
		SID string `json:"sid"`
	}
	if err := id.Claims(&c); err != nil || c.SID == "" {
		t.Fatalf("no sid: %v", err)
	}
	return c.SID
}

func oauthPrompt(v string) oauth2.AuthCodeOption { return oauth2.SetAuthURLParam("prompt", v) }

type joseHeader struct {
	KID string `json:"kid"`
	Typ string `json:"typ"`
	Alg string `json:"alg"`
}

func jwtHeader(t *testing.T, raw string) joseHeader {
	t.Helper()
	part, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(part)
	var h joseHeader
	if err == nil {
		err = json.Unmarshal(b, &h)
	}
	if err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	return h
}
