package oidc

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// Error is an OAuth 2.0 error answer. When RedirectURI is set, the error goes
// back to the client there (with State); else it is shown to the person (an
// unknown client or redirect URI must never redirect) or, at the token
// endpoint, answered as JSON with Status.
type Error struct {
	Code        string
	Description string
	Status      int
	RedirectURI string
	State       string
}

func (e *Error) Error() string { return "oidc: " + e.Code + ": " + e.Description }

// Scopes the provider knows; others are ignored.
var knownScopes = []string{"openid", "profile", "email", "groups", "offline_access"}

// KnownScopes returns the scopes the provider supports.
func KnownScopes() []string { return append([]string(nil), knownScopes...) }

// Parameter bounds.
const (
	maxParam     = 2000
	minChallenge = 43
	maxChallenge = 128
)

// Authorize checks an authorization request (the query or form of
// /oidc/authorize) and stores it, so that it can be resumed after sign-in.
func (p *Provider) Authorize(ctx context.Context, orgID string, q url.Values) (*AuthRequest, error) {
	if err := p.open(ctx, "oidc.Authorize", orgID); err != nil {
		return nil, err
	}
	get := func(k string) string { return q.Get(k) }
	for k, v := range q {
		if len(v) > 1 || len(v) == 1 && len(v[0]) > maxParam {
			// Duplicated parameters are an error (RFC 6749 3.1).
			if k == "client_id" || k == "redirect_uri" {
				return nil, &Error{Code: "invalid_request", Description: "The parameter " + k + " is repeated or too long."}
			}
		}
	}
	cl, err := p.Clients.Store.OIDCClient(ctx, orgID, get("client_id"))
	if gatehouse.IsCode(err, gatehouse.NotFound) || get("client_id") == "" {
		return nil, &Error{Code: "invalid_client", Description: "The application is not registered here."}
	} else if err != nil {
		return nil, err
	}
	ru := get("redirect_uri")
	if !contains(cl.RedirectURIs, ru) {
		return nil, &Error{Code: "invalid_request", Description: "The redirect URI is not registered for this application."}
	}
	fail := func(code, desc string) error {
		return &Error{Code: code, Description: desc, RedirectURI: ru, State: get("state")}
	}
	for k, v := range q {
		if len(v) > 1 || len(v) == 1 && len(v[0]) > maxParam {
			return nil, fail("invalid_request", "The parameter "+k+" is repeated or too long.")
		}
	}
	switch {
	case get("request") != "":
		return nil, fail("request_not_supported", "Request objects are not supported.")
	case get("request_uri") != "":
		return nil, fail("request_uri_not_supported", "Request objects are not supported.")
	case get("response_type") != "code":
		return nil, fail("unsupported_response_type", "Only the authorization code flow (response_type=code) is supported.")
	case get("response_mode") != "" && get("response_mode") != "query":
		return nil, fail("invalid_request", "Only response_mode=query is supported.")
	}
	scopes := strings.Fields(get("scope"))
	if !contains(scopes, "openid") {
		return nil, fail("invalid_scope", "The scope must include openid.")
	}
	var keep []string
	for _, s := range scopes {
		if contains(knownScopes, s) && !contains(keep, s) {
			keep = append(keep, s)
		}
	}
	challenge, method := get("code_challenge"), get("code_challenge_method")
	switch {
	case challenge == "" && cl.Public:
		return nil, fail("invalid_request", "A public client must use PKCE (code_challenge with S256).")
	case challenge != "" && method != "S256":
		return nil, fail("invalid_request", "Only the S256 code_challenge_method is supported.")
	case challenge == "" && method != "":
		return nil, fail("invalid_request", "code_challenge_method without code_challenge.")
	case challenge != "" && (len(challenge) < minChallenge || len(challenge) > maxChallenge || !unreserved(challenge)):
		return nil, fail("invalid_request", "The code_challenge is malformed.")
	}
	prompt := strings.Fields(get("prompt"))
	for _, v := range prompt {
		if v != "none" && v != "login" && v != "consent" && v != "select_account" {
			return nil, fail("invalid_request", "Unknown prompt value "+trimTo(v, 20)+".")
		}
	}
	if contains(prompt, "none") && len(prompt) > 1 {
		return nil, fail("invalid_request", "prompt=none cannot be combined with other values.")
	}
	maxAge := -1
	if v := get("max_age"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fail("invalid_request", "max_age must be a number of seconds.")
		}
		maxAge = n
	}
	now := p.now()
	r := &AuthRequest{
		ID: gatehouse.NewID(p.Rand), OrgID: orgID, ClientID: cl.ID, RedirectURI: ru, Scope: strings.Join(keep, " "),
		State: get("state"), Nonce: get("nonce"), Challenge: challenge, Prompt: strings.Join(prompt, " "),
		LoginHint: trimTo(get("login_hint"), 254), MaxAge: maxAge, CreatedAt: now, ExpiresAt: now.Add(DefaultRequestTTL),
	}
	if err := p.Grants.SaveOIDCRequest(ctx, r); err != nil {
		return nil, gatehouse.Wrap("oidc.Authorize", err)
	}
	return r, nil
}

// unreserved reports whether s holds only RFC 7636's unreserved characters.
func unreserved(s string) bool {
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// Request returns a stored authorization request that has not expired.
func (p *Provider) Request(ctx context.Context, orgID, id string) (*AuthRequest, *Client, error) {
	const op = "oidc.Request"
	gone := gatehouse.Errorf(gatehouse.NotFound, op, "This sign-in request has expired. Go back to the application and start again.")
	if err := p.open(ctx, op, orgID); err != nil {
		return nil, nil, err
	}
	if len(id) > 64 {
		return nil, nil, gone
	}
	r, err := p.Grants.OIDCRequest(ctx, orgID, id)
	if gatehouse.IsCode(err, gatehouse.NotFound) || err == nil && !p.now().Before(r.ExpiresAt) {
		return nil, nil, gone
	} else if err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	cl, err := p.Clients.Store.OIDCClient(ctx, orgID, r.ClientID)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil, gone
	} else if err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	return r, cl, nil
}

// Step is what the browser must do next to complete an authorization request.
type Step int

// Steps.
const (
	StepRedirect Step = iota // back to the client, with a code or an error
	StepLogin                // sign in (again: Reauth) through Gatehouse's pages
	StepConsent              // the member approves the scopes
)

// Next is the decision of Continue.
type Next struct {
	Step     Step
	Reauth   bool   // the current session is not fresh enough: end it first
	Redirect string // for StepRedirect
}

// Continue decides what comes next for request r, given the browser's
// session (nil when none) and member. A member fully signed in, recently
// enough for prompt and max_age, who has consented (or whose application is
// first-party) is sent back with a code at once: single sign-on.
func (p *Provider) Continue(ctx context.Context, r *AuthRequest, cl *Client, sess *gatehouse.Session, m *gatehouse.Member, c gatehouse.Client) (*Next, error) {
	now := p.now()
	prompt := strings.Fields(r.Prompt)
	none := contains(prompt, "none")
	back := func(code, desc string) (*Next, error) {
		_ = p.Grants.DeleteOIDCRequest(ctx, r.OrgID, r.ID)
		to, err := p.errorRedirect(ctx, r.OrgID, r.RedirectURI, r.State, code, desc)
		if err != nil {
			return nil, err
		}
		return &Next{Step: StepRedirect, Redirect: to}, nil
	}
	if sess == nil || m == nil || sess.Stage != gatehouse.StageActive || m.EffectiveState(now) != gatehouse.StateActive {
		if none {
			return back("login_required", "The member is not signed in.")
		}
		return &Next{Step: StepLogin}, nil
	}
	stale := contains(prompt, "login") && sess.CreatedAt.Before(r.CreatedAt) ||
		r.MaxAge >= 0 && now.Sub(sess.CreatedAt) > time.Duration(r.MaxAge)*time.Second
	if stale {
		if none {
			return back("login_required", "The member must sign in again.")
		}
		return &Next{Step: StepLogin, Reauth: true}, nil
	}
	if !cl.FirstParty {
		granted, err := p.Clients.Store.OIDCConsent(ctx, r.OrgID, m.ID, cl.ID)
		if err != nil {
			return nil, gatehouse.Wrap("oidc.Continue", err)
		}
		if !covers(granted, r.Scope) || contains(prompt, "consent") && !p.consentedFor(ctx, r, m) {
			if none {
				return back("consent_required", "The member has not approved this application.")
			}
			return &Next{Step: StepConsent}, nil
		}
	}
	to, err := p.issueCode(ctx, r, sess, m, c)
	if err != nil {
		return nil, err
	}
	return &Next{Step: StepRedirect, Redirect: to}, nil
}

// consentedFor reports whether the member approved this very request (the
// consent was saved after the request was made): prompt=consent asks again
// once, not forever.
func (p *Provider) consentedFor(ctx context.Context, r *AuthRequest, m *gatehouse.Member) bool {
	evs, _, err := p.Members.AuditEvents(ctx, r.OrgID, gatehouse.AuditFilter{MemberID: m.ID, Types: []gatehouse.EventType{EventConsent}, Since: r.CreatedAt, Limit: 5})
	if err != nil {
		return false
	}
	for _, e := range evs {
		if e.Details["request"] == r.ID {
			return true
		}
	}
	return false
}

// covers reports whether every scope of want is in granted.
func covers(granted, want string) bool {
	g := strings.Fields(granted)
	for _, s := range strings.Fields(want) {
		if !contains(g, s) {
			return false
		}
	}
	return true
}

// Consent records the member's answer on the consent page. Approved, the
// scopes are remembered for the member and client, and the answer is nil:
// the request continues (Continue). Declined, the answer is the way back to
// the client with access_denied.
func (p *Provider) Consent(ctx context.Context, r *AuthRequest, cl *Client, sess *gatehouse.Session, m *gatehouse.Member, approve bool, c gatehouse.Client) (*Next, error) {
	const op = "oidc.Consent"
	if sess == nil || sess.Stage != gatehouse.StageActive {
		return &Next{Step: StepLogin}, nil
	}
	if !approve {
		_ = p.Grants.DeleteOIDCRequest(ctx, r.OrgID, r.ID)
		_ = p.audit(ctx, EventConsent, r.OrgID, gatehouse.MemberActor(m), m.ID, c, map[string]string{"client_id": cl.ID, "approved": "false", "request": r.ID})
		to, err := p.errorRedirect(ctx, r.OrgID, r.RedirectURI, r.State, "access_denied", "The member declined.")
		if err != nil {
			return nil, err
		}
		return &Next{Step: StepRedirect, Redirect: to}, nil
	}
	granted, err := p.Clients.Store.OIDCConsent(ctx, r.OrgID, m.ID, cl.ID)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	scope := strings.Fields(granted)
	for _, s := range strings.Fields(r.Scope) {
		if !contains(scope, s) {
			scope = append(scope, s)
		}
	}
	if err := p.Clients.Store.SaveOIDCConsent(ctx, r.OrgID, m.ID, cl.ID, strings.Join(scope, " "), p.now()); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if err := p.audit(ctx, EventConsent, r.OrgID, gatehouse.MemberActor(m), m.ID, c,
		map[string]string{"client_id": cl.ID, "approved": "true", "scope": r.Scope, "request": r.ID}); err != nil {
		return nil, err
	}
	return nil, nil
}

// issueCode ends request r with a code for the member, and returns the
// redirect that carries it to the client.
func (p *Provider) issueCode(ctx context.Context, r *AuthRequest, sess *gatehouse.Session, m *gatehouse.Member, c gatehouse.Client) (string, error) {
	const op = "oidc.issueCode"
	raw, hash, err := secret.NewToken(p.Rand)
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	now := p.now()
	code := &Code{
		Hash: hash, OrgID: r.OrgID, ClientID: r.ClientID, MemberID: m.ID, RedirectURI: r.RedirectURI, Scope: r.Scope,
		Nonce: r.Nonce, Challenge: r.Challenge, SessionID: sess.ID, AMR: p.amr(ctx, sess, m), GrantID: gatehouse.NewID(p.Rand),
		AuthTime: sess.CreatedAt, CreatedAt: now, ExpiresAt: now.Add(dur(p.CodeTTL, DefaultCodeTTL)),
	}
	if err := p.Grants.CreateOIDCCode(ctx, code); err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	if err := p.Grants.DeleteOIDCRequest(ctx, r.OrgID, r.ID); err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	if err := p.audit(ctx, EventAuthorized, r.OrgID, gatehouse.MemberActor(m), m.ID, c,
		map[string]string{"client_id": r.ClientID, "scope": r.Scope, "amr": code.AMR}); err != nil {
		return "", err
	}
	iss, err := p.Issuer(ctx, r.OrgID)
	if err != nil {
		return "", err
	}
	q := url.Values{"code": {raw}, "iss": {iss}}
	if r.State != "" {
		q.Set("state", r.State)
	}
	return withQuery(r.RedirectURI, q), nil
}

// errorRedirect is the redirect carrying an error back to the client.
func (p *Provider) errorRedirect(ctx context.Context, orgID, redirectURI, state, code, desc string) (string, error) {
	iss, err := p.Issuer(ctx, orgID)
	if err != nil {
		return "", err
	}
	q := url.Values{"error": {code}, "error_description": {desc}, "iss": {iss}}
	if state != "" {
		q.Set("state", state)
	}
	return withQuery(redirectURI, q), nil
}

// ErrorRedirect is the redirect for an *Error that carries a RedirectURI.
func (p *Provider) ErrorRedirect(ctx context.Context, orgID string, e *Error) (string, error) {
	return p.errorRedirect(ctx, orgID, e.RedirectURI, e.State, e.Code, e.Description)
}

// withQuery adds q to the query of the registered URI u, keeping what it has.
func withQuery(u string, q url.Values) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	old := p.Query()
	for k, v := range q {
		old[k] = v
	}
	p.RawQuery = old.Encode()
	return p.String()
}
