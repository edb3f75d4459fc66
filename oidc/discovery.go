package oidc

import "context"

// Discovery is the provider's metadata (OpenID Connect Discovery 1.0).
func (p *Provider) Discovery(ctx context.Context, orgID string) (map[string]any, error) {
	if err := p.open(ctx, "oidc.Discovery", orgID); err != nil {
		return nil, err
	}
	iss, err := p.Issuer(ctx, orgID)
	if err != nil {
		return nil, err
	}
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
			"name", "preferred_username", "email", "email_verified", "groups", "updated_at", "locale", "zoneinfo"},
		"prompt_values_supported":                        []string{"none", "login", "consent"},
		"claims_parameter_supported":                     false,
		"request_parameter_supported":                    false,
		"request_uri_parameter_supported":                false,
		"authorization_response_iss_parameter_supported": true,
		"backchannel_logout_supported":                   true,
		"backchannel_logout_session_supported":           true,
		"frontchannel_logout_supported":                  false,
	}, nil
}
