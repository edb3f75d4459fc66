package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/account"
)

// TestOpenAPIDescribesEveryRoute checks the OpenAPI document against the
// router: every /api/v1 route the router registers is described, every
// described operation is registered, and each answers (401 without a key)
// rather than 404 or 405.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	pub, _ := url.Parse("http://gatehouse.test")
	s, err := New(&account.Service{PublicURL: pub}, nil, Config{PublicURL: pub}, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Servers []struct{ URL string }                `json:"servers"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("the OpenAPI document is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || len(doc.Servers) != 1 || doc.Servers[0].URL != apiPrefix {
		t.Fatalf("openapi %q, servers %v", doc.OpenAPI, doc.Servers)
	}
	described := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			var o struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(op, &o); err != nil || o.OperationID == "" || len(o.Responses) == 0 {
				t.Errorf("%s %s: no operationId or responses (%v)", method, path, err)
			}
			described[strings.ToUpper(method)+" "+apiPrefix+path] = true
		}
	}
	served := map[string]bool{}
	for _, p := range s.patterns {
		method, path, ok := strings.Cut(p, " ")
		if ok && strings.HasPrefix(path, apiPrefix+"/") {
			served[method+" "+path] = true
		}
	}
	if len(served) < len(apiRoutes)+2 {
		t.Fatalf("only %d API routes registered: %v", len(served), served)
	}
	for r := range served {
		if !described[r] {
			t.Errorf("%s is served but not described in openapi.json", r)
		}
	}
	var all []string
	for r := range described {
		all = append(all, r)
		if !served[r] {
			t.Errorf("%s is described in openapi.json but not served", r)
		}
	}
	sort.Strings(all)
	h := s.Handler()
	for _, r := range all {
		method, path, _ := strings.Cut(r, " ")
		req := httptest.NewRequest(method, strings.NewReplacer("{id}", "x").Replace(path), nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		want := http.StatusUnauthorized
		if path == apiPrefix+"/openapi.json" {
			want = http.StatusOK
		}
		if rec.Code != want {
			t.Errorf("%s answers %d, want %d", r, rec.Code, want)
		}
	}
}

// TestPathMatches covers the matcher behind 405 answers.
func TestPathMatches(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"/api/v1/members", "/api/v1/members", true},
		{"/api/v1/members/{id}", "/api/v1/members/abc", true},
		{"/api/v1/members/{id}", "/api/v1/members/", false},
		{"/api/v1/members/{id}/password", "/api/v1/members/abc/password", true},
		{"/api/v1/members/{id}/password", "/api/v1/members/abc/sessions", false},
		{"/api/v1/members", "/api/v1/members/abc", false},
	} {
		if got := pathMatches(c.pattern, c.path); got != c.want {
			t.Errorf("pathMatches(%q, %q) = %v", c.pattern, c.path, got)
		}
	}
}

// TestOpenAPIReferences checks that every $ref of the document points at
// something it defines.
func TestOpenAPIReferences(t *testing.T) {
	var doc any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	resolve := func(ref string) bool {
		var cur any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				return false
			}
			if cur, ok = m[part]; !ok {
				return false
			}
		}
		return true
	}
	n := 0
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if k == "$ref" {
					n++
					if ref, _ := e.(string); !strings.HasPrefix(ref, "#/") || !resolve(ref) {
						t.Errorf("unresolved $ref %v", e)
					}
					continue
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	if n < 50 {
		t.Errorf("only %d references: is the document complete?", n)
	}
}
