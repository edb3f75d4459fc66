package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/oidc"
)

// oidcPages serves the OpenID Connect provider (package oidc): discovery and
// keys, the authorization endpoint and the pages around it (resume after
// sign-in, consent), and the endpoints applications call (token, userinfo,
// revocation, logout). The clients' admin pages and API are in
// oidc_admin.go and oidc_api.go.
type oidcPages struct{ *Server }

// oidcCrossSite are the endpoints other sites may POST to: applications'
// servers and browsers call them with their own credentials (client
// authentication, a bearer token), never with the member's cookie alone.
var oidcCrossSite = []string{"POST /oidc/token", "POST /oidc/userinfo", "POST /oidc/revoke", "POST /oidc/authorize", "POST /oidc/logout"}

func (o oidcPages) routes() {
	s := o
	s.route("GET /.well-known/openid-configuration", o.with(o.discovery))
	s.route("GET /oidc/jwks", o.with(o.jwks))
	s.route("GET /oidc/authorize", o.with(o.authorize))
	s.route("POST /oidc/authorize", o.with(o.authorize))
	s.route("GET /oidc/continue/{id}", o.with(o.resume))
	s.route("GET /oidc/consent/{id}", o.with(o.consentPage))
	s.route("POST /oidc/consent/{id}", o.with(o.consentSubmit))
	s.route("POST /oidc/token", o.with(o.token))
	s.route("GET /oidc/userinfo", o.with(o.userinfo))
	s.route("POST /oidc/userinfo", o.with(o.userinfo))
	s.route("OPTIONS /oidc/", o.with(o.preflight))
	s.route("POST /oidc/revoke", o.with(o.revoke))
	s.route("GET /oidc/logout", o.with(o.logout))
	s.route("POST /oidc/logout", o.with(o.logout))
	s.route("POST /oidc/logout/confirm", o.with(o.logoutConfirm))
	o.adminRoutes()
}

// with serves h only when the provider is configured (Server.OIDC).
func (o oidcPages) with(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if o.OIDC == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}
}

// cors lets browser applications (public clients) read the answer; these
// endpoints never rely on cookies.
func cors(w http.ResponseWriter) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
}

func (o oidcPages) preflight(w http.ResponseWriter, r *http.Request) {
	cors(w)
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
	w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

func (o oidcPages) discovery(w http.ResponseWriter, r *http.Request) {
	cors(w)
	meta, err := o.OIDC.Discovery(r.Context(), o.orgID(r))
	if err != nil {
		o.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, meta)
}

func (o oidcPages) jwks(w http.ResponseWriter, r *http.Request) {
	set, err := o.OIDC.JWKS(r.Context(), o.orgID(r))
	if err != nil {
		o.problem(w, r, err)
		return
	}
	cors(w)
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, set)
}

// oauthError answers an endpoint that applications call with an OAuth error
// as JSON (RFC 6749 5.2), or with a problem for other failures.
func (o oidcPages) oauthError(w http.ResponseWriter, r *http.Request, err error) {
	var e *oidc.Error
	if !errors.As(err, &e) {
		o.problem(w, r, err)
		return
	}
	st := e.Status
	if st == 0 {
		st = http.StatusBadRequest
	}
	if st == http.StatusUnauthorized {
		if r.URL.Path == "/oidc/userinfo" {
			w.Header().Set("WWW-Authenticate", `Bearer error="`+e.Code+`"`)
		} else {
			w.Header().Set("WWW-Authenticate", `Basic realm="gatehouse"`)
		}
	}
	writeJSON(w, st, map[string]string{"error": e.Code, "error_description": e.Description})
}

// clientCredentials reads client_secret_basic or client_secret_post (not
// both, RFC 6749 2.3); a public client sends its client_id only.
func clientCredentials(r *http.Request) (id, secret string, ok bool) {
	bid, bsec, basic := r.BasicAuth()
	pid, psec := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if basic {
		if psec != "" || pid != "" && pid != unescape(bid) {
			return "", "", false
		}
		return unescape(bid), unescape(bsec), true
	}
	return pid, psec, pid != ""
}

// unescape undoes the form-encoding RFC 6749 2.3.1 asks of Basic credentials.
func unescape(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return s
}

// parseTokenForm reads the form of an endpoint applications call.
func parseTokenForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "The form could not be read."})
		return false
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "The parameter " + k + " is repeated."})
			return false
		}
	}
	return true
}
