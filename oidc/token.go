package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// TokenResponse is the answer of the token endpoint.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

func invalidGrant(desc string) *Error {
	return &Error{Code: "invalid_grant", Description: desc, Status: 400}
}

// Exchange answers a token request of the authenticated client cl.
func (p *Provider) Exchange(ctx context.Context, orgID string, cl *Client, form url.Values, c gatehouse.Client) (*TokenResponse, error) {
	if err := p.open(ctx, "oidc.Exchange", orgID); err != nil {
		return nil, err
	}
	switch form.Get("grant_type") {
	case "authorization_code":
		return p.exchangeCode(ctx, orgID, cl, form, c)
	case "refresh_token":
		return p.refresh(ctx, orgID, cl, form, c)
	case "":
		return nil, &Error{Code: "invalid_request", Description: "grant_type is required.", Status: 400}
	}
	return nil, &Error{Code: "unsupported_grant_type", Description: "Only authorization_code and refresh_token are supported.", Status: 400}
}

func (p *Provider) refuse(ctx context.Context, orgID string, cl *Client, memberID, reason string, c gatehouse.Client) {
	_ = p.audit(ctx, EventTokenRefused, orgID, clientActor(cl), memberID, c, map[string]string{"client_id": cl.ID, "reason": reason})
}

func clientActor(cl *Client) gatehouse.Actor {
	return gatehouse.Actor{Kind: gatehouse.ActorSystem, ID: cl.ID, Name: "oidc client " + cl.Name}
}

func (p *Provider) exchangeCode(ctx context.Context, orgID string, cl *Client, form url.Values, c gatehouse.Client) (*TokenResponse, error) {
	const op = "oidc.exchangeCode"
	raw := form.Get("code")
	if raw == "" || !secret.ValidToken(raw) {
		return nil, invalidGrant("The code is unknown, used or expired.")
	}
	now := p.now()
	code, err := p.Grants.UseOIDCCode(ctx, secret.HashToken(raw), now)
	switch {
	case gatehouse.IsCode(err, gatehouse.NotFound):
		return nil, invalidGrant("The code is unknown, used or expired.")
	case gatehouse.IsCode(err, gatehouse.Conflict):
		// A second use of a code: whoever holds it may have stolen it, so
		// what the first use obtained ends too (RFC 6749 4.1.2).
		if err := p.Grants.RevokeOIDCGrant(ctx, code.OrgID, code.GrantID); err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
			return nil, gatehouse.Wrap(op, err)
		}
		p.refuse(ctx, orgID, cl, code.MemberID, "code_reused", c)
		return nil, invalidGrant("The code is unknown, used or expired.")
	case err != nil:
		return nil, gatehouse.Wrap(op, err)
	}
	switch {
	case code.OrgID != orgID || code.ClientID != cl.ID:
		p.refuse(ctx, orgID, cl, code.MemberID, "code_of_another_client", c)
		return nil, invalidGrant("The code was not issued to this client.")
	case !now.Before(code.ExpiresAt):
		p.refuse(ctx, orgID, cl, code.MemberID, "code_expired", c)
		return nil, invalidGrant("The code is unknown, used or expired.")
	case form.Get("redirect_uri") != code.RedirectURI:
		p.refuse(ctx, orgID, cl, code.MemberID, "redirect_uri_mismatch", c)
		return nil, invalidGrant("The redirect_uri differs from the authorization request's.")
	}
	verifier := form.Get("code_verifier")
	switch {
	case code.Challenge == "" && verifier != "":
		return nil, invalidGrant("A code_verifier was sent but no code_challenge was.")
	case code.Challenge != "" && verifier == "":
		p.refuse(ctx, orgID, cl, code.MemberID, "pkce_missing", c)
		return nil, invalidGrant("The code_verifier is required.")
	case code.Challenge != "" && !secret.Equal(s256(verifier), code.Challenge):
		p.refuse(ctx, orgID, cl, code.MemberID, "pkce_mismatch", c)
		return nil, invalidGrant("The code_verifier does not match the code_challenge.")
	}
	m, err := p.activeMember(ctx, orgID, code.MemberID)
	if err != nil {
		return nil, err
	}
	g := &Grant{
		ID: code.GrantID, OrgID: orgID, ClientID: cl.ID, MemberID: m.ID, Scope: code.Scope, SessionID: code.SessionID,
		AMR: code.AMR, AuthTime: code.AuthTime, CreatedAt: now,
	}
	res, tokens, err := p.tokens(ctx, cl, g, m, code.Nonce)
	if err != nil {
		return nil, err
	}
	if err := p.Grants.CreateOIDCGrant(ctx, g, tokens...); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	return res, p.audit(ctx, EventTokenIssued, orgID, clientActor(cl), m.ID, c,
		map[string]string{"client_id": cl.ID, "grant": "authorization_code", "scope": g.Scope, "refresh": boolText(res.RefreshToken != "")})
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// activeMember returns the member if they may still hold tokens.
func (p *Provider) activeMember(ctx context.Context, orgID, id string) (*gatehouse.Member, error) {
	m, err := p.Members.Member(ctx, orgID, id)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, invalidGrant("The member no longer exists.")
	} else if err != nil {
		return nil, gatehouse.Wrap("oidc.activeMember", err)
	}
	if m.EffectiveState(p.now()) != gatehouse.StateActive {
		return nil, invalidGrant("The member's account is not active.")
	}
	return m, nil
}

// tokens makes the access token, the refresh token when the grant may have
// one, and the ID token of grant g.
func (p *Provider) tokens(ctx context.Context, cl *Client, g *Grant, m *gatehouse.Member, nonce string) (*TokenResponse, []*Token, error) {
	const op = "oidc.tokens"
	now := p.now()
	ttl, err := p.accessTTL(ctx, g.OrgID)
	if err != nil {
		return nil, nil, err
	}
	access, accessHash, err := secret.NewToken(p.Rand)
	if err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	res := &TokenResponse{AccessToken: access, TokenType: "Bearer", ExpiresIn: int(ttl / time.Second), Scope: g.Scope}
	tokens := []*Token{{Hash: accessHash, GrantID: g.ID, Kind: KindAccess, CreatedAt: now, ExpiresAt: now.Add(ttl)}}
	if cl.Offline || contains(strings.Fields(g.Scope), "offline_access") {
		refresh, refreshHash, err := secret.NewToken(p.Rand)
		if err != nil {
			return nil, nil, gatehouse.Wrap(op, err)
		}
		res.RefreshToken = refresh
		tokens = append(tokens, &Token{Hash: refreshHash, GrantID: g.ID, Kind: KindRefresh, CreatedAt: now, ExpiresAt: now.Add(p.refreshTTL())})
	}
	claims := p.claims(g.Scope, m)
	claims["aud"], claims["azp"] = cl.ID, cl.ID
	claims["iat"], claims["exp"] = now.Unix(), now.Add(p.Keys.idTokenTTL()).Unix()
	claims["auth_time"], claims["amr"], claims["at_hash"] = g.AuthTime.Unix(), strings.Fields(g.AMR), halfHash(access)
	if g.SessionID != "" {
		claims["sid"] = g.SessionID
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if res.IDToken, err = p.Keys.sign(ctx, g.OrgID, "JWT", claims); err != nil {
		return nil, nil, err
	}
	return res, tokens, nil
}

// claims are the member's claims that scope allows.
func (p *Provider) claims(scope string, m *gatehouse.Member) map[string]any {
	s := strings.Fields(scope)
	c := map[string]any{"sub": m.ID}
	if contains(s, "profile") {
		c["name"], c["preferred_username"] = m.Name(), m.Username
		c["updated_at"] = m.UpdatedAt.Unix()
		// The member's own choices on their account page (OpenID Connect
		// Core 5.1): a BCP 47 language tag and an IANA time zone. Absent
		// when the member left them to the browser and the organization.
		if m.Language != "" {
			c["locale"] = m.Language
		}
		if m.TimeZone != "" {
			c["zoneinfo"] = m.TimeZone
		}
	}
	if contains(s, "email") {
		if e := m.WorkEmail; e != "" {
			c["email"] = e
		} else if m.Email != "" {
			c["email"] = m.Email
		}
		if e, ok := c["email"].(string); ok {
			// Verified only when an emailed link sent to this very address
			// was used (activation, reset): an address typed in by an
			// administrator or the member proves nothing until then.
			c["email_verified"] = m.EmailVerified(e)
		}
	}
	if contains(s, "groups") || contains(s, "profile") {
		c["groups"] = []string{string(m.Role)}
	}
	return c
}

// refresh exchanges a refresh token for new tokens, rotating it. A refresh
// token used twice means one of its holders stole it: the whole grant ends.
func (p *Provider) refresh(ctx context.Context, orgID string, cl *Client, form url.Values, c gatehouse.Client) (*TokenResponse, error) {
	const op = "oidc.refresh"
	raw := form.Get("refresh_token")
	if raw == "" || !secret.ValidToken(raw) {
		return nil, invalidGrant("The refresh token is unknown, revoked or expired.")
	}
	now := p.now()
	hash := secret.HashToken(raw)
	t, g, err := p.Grants.OIDCToken(ctx, hash)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, invalidGrant("The refresh token is unknown, revoked or expired.")
	} else if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if t.Kind != KindRefresh || g.OrgID != orgID || g.ClientID != cl.ID {
		return nil, invalidGrant("The refresh token was not issued to this client.")
	}
	reused := func() (*TokenResponse, error) {
		if err := p.Grants.RevokeOIDCGrant(ctx, orgID, g.ID); err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
			return nil, gatehouse.Wrap(op, err)
		}
		_ = p.audit(ctx, EventRefreshReused, orgID, clientActor(cl), g.MemberID, c, map[string]string{"client_id": cl.ID, "grant_id": g.ID})
		return nil, invalidGrant("The refresh token is unknown, revoked or expired.")
	}
	if !t.UsedAt.IsZero() {
		return reused()
	}
	if !now.Before(t.ExpiresAt) {
		return nil, invalidGrant("The refresh token is unknown, revoked or expired.")
	}
	if s := form.Get("scope"); s != "" {
		if !covers(g.Scope, s) {
			return nil, &Error{Code: "invalid_scope", Description: "The scope exceeds what was granted.", Status: 400}
		}
	}
	m, err := p.activeMember(ctx, orgID, g.MemberID)
	if err != nil {
		return nil, err
	}
	res, tokens, err := p.tokens(ctx, cl, g, m, "")
	if err != nil {
		return nil, err
	}
	if res.RefreshToken == "" {
		// The grant had a refresh token, so it keeps having one.
		refresh, refreshHash, err := secret.NewToken(p.Rand)
		if err != nil {
			return nil, gatehouse.Wrap(op, err)
		}
		res.RefreshToken = refresh
		tokens = append(tokens, &Token{Hash: refreshHash, GrantID: g.ID, Kind: KindRefresh, CreatedAt: now, ExpiresAt: now.Add(p.refreshTTL())})
	}
	ok, err := p.Grants.RotateOIDCRefresh(ctx, hash, now, tokens...)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if !ok {
		return reused()
	}
	return res, p.audit(ctx, EventTokenIssued, orgID, clientActor(cl), m.ID, c,
		map[string]string{"client_id": cl.ID, "grant": "refresh_token", "scope": g.Scope})
}

// UserInfo returns the claims of the member an access token was issued for.
func (p *Provider) UserInfo(ctx context.Context, orgID, bearer string) (map[string]any, error) {
	const op = "oidc.UserInfo"
	bad := &Error{Code: "invalid_token", Description: "The access token is unknown, revoked or expired.", Status: 401}
	if err := p.open(ctx, op, orgID); err != nil {
		return nil, err
	}
	if bearer == "" || !secret.ValidToken(bearer) {
		return nil, bad
	}
	t, g, err := p.Grants.OIDCToken(ctx, secret.HashToken(bearer))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, bad
	} else if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if t.Kind != KindAccess || g.OrgID != orgID || !p.now().Before(t.ExpiresAt) {
		return nil, bad
	}
	m, err := p.activeMember(ctx, orgID, g.MemberID)
	if err != nil {
		return nil, bad
	}
	return p.claims(g.Scope, m), nil
}

// Revoke ends a token of client cl (RFC 7009): a refresh token ends its whole
// grant, an access token itself. Unknown tokens and those of other clients
// are ignored, as the RFC asks.
func (p *Provider) Revoke(ctx context.Context, orgID string, cl *Client, raw string, c gatehouse.Client) error {
	const op = "oidc.Revoke"
	if raw == "" || !secret.ValidToken(raw) {
		return nil
	}
	hash := secret.HashToken(raw)
	t, g, err := p.Grants.OIDCToken(ctx, hash)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil
	} else if err != nil {
		return gatehouse.Wrap(op, err)
	}
	if g.OrgID != orgID || g.ClientID != cl.ID {
		return nil
	}
	if t.Kind == KindRefresh {
		err = p.Grants.RevokeOIDCGrant(ctx, orgID, g.ID)
	} else {
		err = p.Grants.DeleteOIDCToken(ctx, hash)
	}
	if err != nil && !gatehouse.IsCode(err, gatehouse.NotFound) {
		return gatehouse.Wrap(op, err)
	}
	return p.audit(ctx, EventTokenRevoked, orgID, clientActor(cl), g.MemberID, c, map[string]string{"client_id": cl.ID, "kind": t.Kind})
}
