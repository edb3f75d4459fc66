package web

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/oidc"
)

// token is the token endpoint: codes and refresh tokens for tokens.
func (o oidcPages) token(w http.ResponseWriter, r *http.Request) {
	cors(w)
	w.Header().Set("Cache-Control", "no-store")
	if !parseTokenForm(w, r) {
		return
	}
	cl, ok := o.authenticateClient(w, r)
	if !ok {
		return
	}
	res, err := o.OIDC.Exchange(r.Context(), o.orgID(r), cl, r.PostForm, o.client(r))
	if err != nil {
		o.oauthError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (o oidcPages) authenticateClient(w http.ResponseWriter, r *http.Request) (*oidc.Client, bool) {
	id, sec, ok := clientCredentials(r)
	if !ok {
		o.oauthError(w, r, &oidc.Error{Code: "invalid_client", Description: "Client authentication failed.", Status: http.StatusUnauthorized})
		return nil, false
	}
	cl, err := o.OIDC.Clients.Authenticate(r.Context(), o.orgID(r), id, sec)
	if err != nil {
		o.oauthError(w, r, err)
		return nil, false
	}
	return cl, true
}

// userinfo answers GET and POST with a bearer access token (RFC 6750: the
// Authorization header, or access_token in a POST form; never both, and
// never in the query, where logs would keep it).
func (o oidcPages) userinfo(w http.ResponseWriter, r *http.Request) {
	cors(w)
	w.Header().Set("Cache-Control", "no-store")
	bearer, inHeader := "", false
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if strings.EqualFold(scheme, "Bearer") {
			bearer, inHeader = strings.TrimSpace(tok), true
		}
	}
	if r.Method == http.MethodPost {
		if !parseTokenForm(w, r) {
			return
		}
		if form := r.PostForm.Get("access_token"); form != "" {
			if inHeader {
				o.oauthError(w, r, &oidc.Error{Code: "invalid_request", Description: "Send the access token in one way only: the Authorization header or the form.", Status: http.StatusBadRequest})
				return
			}
			bearer = form
		}
	}
	claims, err := o.OIDC.UserInfo(r.Context(), o.orgID(r), bearer)
	if err != nil {
		o.oauthError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, claims)
}

// revoke is the revocation endpoint (RFC 7009).
func (o oidcPages) revoke(w http.ResponseWriter, r *http.Request) {
	cors(w)
	if !parseTokenForm(w, r) {
		return
	}
	cl, ok := o.authenticateClient(w, r)
	if !ok {
		return
	}
	if err := o.OIDC.Revoke(r.Context(), o.orgID(r), cl, r.PostForm.Get("token"), o.client(r)); err != nil {
		o.oauthError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
