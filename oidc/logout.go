package oidc

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/go-jose/go-jose/v4/jwt"
)

// idClaims are the claims of an ID token the provider reads back (an id_token_hint).
type idClaims struct {
	jwt.Claims
	SessionID string `json:"sid"`
}

// LogoutRequest is a checked RP-initiated logout request.
type LogoutRequest struct {
	ClientID  string
	MemberID  string // from the id_token_hint; "" without one
	SessionID string
	// Redirect is where the browser goes afterwards: the registered
	// post_logout_redirect_uri with the state, or "" for Gatehouse's own page.
	Redirect string
}

// EndSession checks an RP-initiated logout request (OpenID Connect
// RP-Initiated Logout 1.0). A post_logout_redirect_uri is followed only when
// it is registered for the client named by the id_token_hint or client_id.
func (p *Provider) EndSession(ctx context.Context, orgID string, q url.Values) (*LogoutRequest, error) {
	bad := func(desc string) error { return &Error{Code: "invalid_request", Description: desc, Status: 400} }
	lr := &LogoutRequest{ClientID: q.Get("client_id")}
	if hint := q.Get("id_token_hint"); hint != "" {
		c, err := p.verify(ctx, orgID, hint)
		if err != nil {
			return nil, bad("The id_token_hint was not issued by this provider.")
		}
		if len(c.Audience) != 1 || lr.ClientID != "" && lr.ClientID != c.Audience[0] {
			return nil, bad("The id_token_hint was issued to another client.")
		}
		lr.ClientID, lr.MemberID, lr.SessionID = c.Audience[0], c.Subject, c.SessionID
	}
	if to := q.Get("post_logout_redirect_uri"); to != "" {
		if lr.ClientID == "" {
			return nil, bad("post_logout_redirect_uri needs an id_token_hint or client_id.")
		}
		cl, err := p.Clients.OIDCClient(ctx, orgID, lr.ClientID)
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			return nil, bad("The application is not registered here.")
		} else if err != nil {
			return nil, gatehouse.Wrap("oidc.EndSession", err)
		}
		if !contains(cl.PostLogoutURIs, to) {
			return nil, bad("The post_logout_redirect_uri is not registered for this application.")
		}
		lr.Redirect = to
		if st := q.Get("state"); st != "" {
			lr.Redirect = withQuery(to, url.Values{"state": {st}})
		}
	}
	return lr, nil
}

// SessionEnded ends the grants obtained through the Gatehouse session sid of
// the member and tells every client that asked for it by back-channel logout.
// Web calls it when a member signs out.
func (p *Provider) SessionEnded(ctx context.Context, orgID, memberID, sid string, c gatehouse.Client) error {
	gs, err := p.Grants.RevokeOIDCSession(ctx, orgID, memberID, sid, p.now())
	if err != nil {
		return gatehouse.Wrap("oidc.SessionEnded", err)
	}
	if len(gs) == 0 {
		return nil
	}
	var clients []string
	for _, g := range gs {
		if !contains(clients, g.ClientID) {
			clients = append(clients, g.ClientID)
		}
	}
	return p.audit(ctx, EventLogout, orgID, gatehouse.Actor{Kind: gatehouse.ActorMember, ID: memberID}, memberID, c,
		map[string]string{"sid": sid, "clients": strings.Join(clients, " ")})
}

// Delivery of back-channel logouts.
const (
	logoutBatch    = 20
	logoutLease    = time.Minute
	logoutAttempts = 12
	logoutTokenTTL = 2 * time.Minute
)

// DeliverLogouts posts the due back-channel logout tokens, retrying failures
// with a growing delay (up to an hour, 12 tries). Replicas may run it at the
// same time: each claims its logouts for a lease first. It returns how many
// were delivered.
func (p *Provider) DeliverLogouts(ctx context.Context) (int, error) {
	now := p.now()
	due, err := p.Keys.DueOIDCLogouts(ctx, now, now.Add(logoutLease), logoutBatch)
	if err != nil {
		return 0, gatehouse.Wrap("oidc.DeliverLogouts", err)
	}
	n := 0
	for _, l := range due {
		err := p.deliver(ctx, l)
		if err == nil {
			n++
			_ = p.audit(ctx, EventLogoutDelivered, l.OrgID, gatehouse.SystemActor(l.OrgID), l.MemberID, gatehouse.Client{}, map[string]string{"client_id": l.ClientID})
			if ferr := p.Keys.FinishOIDCLogout(ctx, l.ID, true, time.Time{}, ""); ferr != nil {
				return n, gatehouse.Wrap("oidc.DeliverLogouts", ferr)
			}
			continue
		}
		last := l.Attempts+1 >= logoutAttempts
		delay := time.Duration(1<<min(l.Attempts, 6)) * time.Minute
		p.log().WarnContext(ctx, "back-channel logout failed", "client_id", l.ClientID, "attempt", l.Attempts+1, "err", err)
		if last {
			_ = p.audit(ctx, EventLogoutFailed, l.OrgID, gatehouse.SystemActor(l.OrgID), l.MemberID, gatehouse.Client{},
				map[string]string{"client_id": l.ClientID, "error": trimTo(err.Error(), 200)})
		}
		if ferr := p.Keys.FinishOIDCLogout(ctx, l.ID, last, now.Add(delay), trimTo(err.Error(), 500)); ferr != nil {
			return n, gatehouse.Wrap("oidc.DeliverLogouts", ferr)
		}
	}
	return n, nil
}

func (p *Provider) deliver(ctx context.Context, l *Logout) error {
	cl, err := p.Clients.OIDCClient(ctx, l.OrgID, l.ClientID)
	if err != nil {
		return err
	}
	if cl.BackchannelLogoutURI == "" {
		return nil
	}
	now := p.now()
	claims := map[string]any{
		"iss": p.Issuer(l.OrgID), "aud": cl.ID, "iat": now.Unix(), "exp": now.Add(logoutTokenTTL).Unix(),
		"jti": l.ID, "sub": l.MemberID,
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
	if l.SessionID != "" {
		claims["sid"] = l.SessionID
	}
	tok, err := p.sign(ctx, l.OrgID, "logout+jwt", claims)
	if err != nil {
		return err
	}
	hc := p.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.BackchannelLogoutURI, strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
		return fmt.Errorf("the client answered %s", res.Status)
	}
	return nil
}

// Discovery is the provider's metadata (OpenID Connect Discovery 1.0).
func (p *Provider) Discovery(orgID string) map[string]any {
	iss := p.Issuer(orgID)
	return map[string]any{
		"issuer":                                     iss,
		"authorization_endpoint":                     iss + "/oidc/authorize",
		"token_endpoint":                             iss + "/oidc/token",
		"userinfo_endpoint":                          iss + "/oidc/userinfo",
		"jwks_uri":                                   iss + "/oidc/jwks",
		"revocation_endpoint":                        iss + "/oidc/revoke",
		"end_session_endpoint":                       iss + "/oidc/logout",
		"scopes_supported":                           KnownScopes(),
		"response_types_supported":                   []string{"code"},
		"response_modes_supported":                   []string{"query"},
		"grant_types_supported":                      []string{"authorization_code", "refresh_token"},
		"subject_types_supported":                    []string{"public"},
		"id_token_signing_alg_values_supported":      []string{"RS256"},
		"token_endpoint_auth_methods_supported":      []string{"client_secret_basic", "client_secret_post", "none"},
		"revocation_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"code_challenge_methods_supported":           []string{"S256"},
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid", "at_hash", "azp",
			"name", "preferred_username", "email", "email_verified", "groups", "updated_at"},
		"prompt_values_supported":                        []string{"none", "login", "consent"},
		"claims_parameter_supported":                     false,
		"request_parameter_supported":                    false,
		"request_uri_parameter_supported":                false,
		"authorization_response_iss_parameter_supported": true,
		"backchannel_logout_supported":                   true,
		"backchannel_logout_session_supported":           true,
		"frontchannel_logout_supported":                  false,
	}
}
