package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// apiPrefix is where the management API lives.
const apiPrefix = "/api/v1"

// apiCall is what an authenticated API handler knows about its request.
type apiCall struct {
	Key   *gatehouse.APIKey
	Actor gatehouse.Actor
	OrgID string // the key's organization: a key acts only there
	// MemberID is the member the call is about, if any, for the audit log.
	MemberID string
}

// apiEndpoints serve /api/v1: the management API, whose endpoints take an API
// key (apiRoutes), its OpenAPI document, and GET /api/v1/session, which takes
// the session cookie.
type apiEndpoints struct{ *Server }

// apiRoute is one endpoint of the management API. Path is relative to
// apiPrefix in http.ServeMux syntax.
type apiRoute struct {
	Method, Path string
	Handle       func(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall)
}

// apiRoutes are the endpoints that take an API key, in one list: the router
// registers exactly these, and a test checks them against the OpenAPI document.
var apiRoutes = []apiRoute{
	{"GET", "/members", apiEndpoints.apiListMembers},
	{"POST", "/members", apiEndpoints.apiCreateMember},
	{"GET", "/members/{id}", apiEndpoints.apiGetMember},
	{"PATCH", "/members/{id}", apiEndpoints.apiUpdateMember},
	{"DELETE", "/members/{id}", apiEndpoints.apiDeleteMember},
	{"PUT", "/members/{id}/password", apiEndpoints.apiSetPassword},
	{"POST", "/members/{id}/activation-email", apiEndpoints.apiSendActivation},
	{"DELETE", "/members/{id}/sessions", apiEndpoints.apiEndSessions},
	{"DELETE", "/members/{id}/throttle", apiEndpoints.apiLiftThrottle},
	{"DELETE", "/members/{id}/passkeys", apiRemovePasskeys},
	{"DELETE", "/members/{id}/authenticator", apiMemberFactor(factorApp)},
	{"DELETE", "/members/{id}/recovery-codes", apiMemberFactor(factorRecoveryCodes)},
	{"DELETE", "/members/{id}/trusted-browsers", apiMemberFactor(factorBrowsers)},
	{"POST", "/members/{id}/second-factor-setup", apiMemberFactor(factorSetup)},
	{"POST", "/activation-emails", apiEndpoints.apiBulkActivation},
	{"GET", "/settings", apiEndpoints.apiGetSettings},
	{"PATCH", "/settings", apiEndpoints.apiUpdateSettings},
	{"GET", "/audit-events", apiEndpoints.apiAuditEvents},
	{"GET", "/mail-messages", apiEndpoints.apiMessages},
	{"POST", "/mail-messages/{id}/resend", apiEndpoints.apiResendMessage},
	{"GET", "/clients", apiListClients},
	{"POST", "/clients", apiCreateClient},
	{"GET", "/clients/{id}", apiGetClient},
	{"DELETE", "/clients/{id}", apiDeleteClient},
	{"POST", "/clients/{id}/secret", apiRotateClientSecret},
	{"PUT", "/brand/logo", apiSetLogo},
	{"DELETE", "/brand/logo", apiRemoveLogo},
	{"GET", "/brand/texts", apiListTexts},
	{"PUT", "/brand/texts/{language}/{key}", apiSetText},
	{"DELETE", "/brand/texts/{language}/{key}", apiRemoveText},
}

// routes registers the API. GET /api/v1/session is cookie-based; every
// endpoint of apiRoutes takes a bearer API key.
func (s apiEndpoints) routes() {
	s.route("GET "+apiPrefix+"/session", s.apiSession)
	for _, rt := range apiRoutes {
		s.route(rt.Method+" "+apiPrefix+rt.Path, s.apiHandler(rt))
	}
	s.route("GET "+apiPrefix+"/openapi.json", s.apiOpenAPI)
	// Anything else under /api/ answers with problem details too: 404 for an
	// unknown path, 405 with Allow for a known path and the wrong method.
	s.mux.HandleFunc("/api/", s.apiNotFound)
}

// apiHandler authenticates the key, runs the endpoint and audits every
// state-changing call with its outcome. Reads are not audited one by one: the
// key's last-used time shows that it reads, and the audit log would otherwise
// fill with polling.
func (s apiEndpoints) apiHandler(rt apiRoute) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, err := s.apiKey(r)
		if err != nil {
			if gatehouse.IsCode(err, gatehouse.Unauthorized) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse"`)
			}
			s.problem(w, r, err)
			return
		}
		c := &apiCall{Key: key, Actor: key.Actor(), OrgID: key.OrgID}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		rt.Handle(s, sw, r, c)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := s.APIKeys.AuditCall(r.Context(), key, s.client(r), r.Method, apiPrefix+rt.Path, sw.status, c.MemberID); err != nil {
				s.Log.ErrorContext(r.Context(), "auditing an API call", "err", err)
			}
		}
	}
}

// apiKey reads and checks the request's bearer key.
func (s apiEndpoints) apiKey(r *http.Request) (*gatehouse.APIKey, error) {
	h := r.Header.Values("Authorization")
	if len(h) != 1 {
		return nil, errNoAPIKey
	}
	scheme, key, ok := strings.Cut(strings.TrimSpace(h[0]), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, errNoAPIKey
	}
	return s.APIKeys.Authenticate(r.Context(), s.orgID(r), strings.TrimSpace(key), s.client(r))
}

var errNoAPIKey = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "web.apiKey",
	Message: "This endpoint needs an API key: send it as Authorization: Bearer KEY."}

// apiNotFound answers requests under /api/ that match no endpoint.
func (s apiEndpoints) apiNotFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, p := range s.patterns {
		method, path, ok := strings.Cut(p, " ")
		if ok && strings.HasPrefix(path, apiPrefix+"/") && pathMatches(path, r.URL.Path) {
			allow = append(allow, method)
		}
	}
	if len(allow) > 0 {
		sort.Strings(allow)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, r, Problem{Type: "about:blank", Title: "Method Not Allowed", Status: http.StatusMethodNotAllowed,
			Detail: "This endpoint accepts " + strings.Join(allow, ", ") + "."})
		return
	}
	writeProblem(w, r, Problem{Type: "about:blank", Title: "Not Found", Status: http.StatusNotFound,
		Detail: "There is no such endpoint. The API is described at " + apiPrefix + "/openapi.json."})
}

// pathMatches reports whether path fits pattern, whose {name} segments match
// any one non-empty segment.
func pathMatches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}
