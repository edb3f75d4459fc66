package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// TestOrganizationOfRequestResolvedOnce: without an OrgFinder (one
// organization) every request reaches its handler in the default
// organization, whatever its Host; with one, the organization middleware
// (org_host.go) decides.
func TestOrganizationOfRequestResolvedOnce(t *testing.T) {
	pub, _ := url.Parse("http://gatehouse.test")
	s, err := New(&account.Service{PublicURL: pub}, nil, Config{PublicURL: pub}, make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	s.route("GET /org-probe", func(w http.ResponseWriter, r *http.Request) { got = append(got, s.orgID(r)) })
	for _, host := range []string{"gatehouse.test", "other.example"} {
		req := httptest.NewRequest("GET", "http://"+host+"/org-probe", nil)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", host, rec.Code)
		}
	}
	if len(got) != 2 || got[0] != gatehouse.DefaultOrgID || got[1] != gatehouse.DefaultOrgID {
		t.Errorf("organizations seen by the handler: %q, want the default one for both hosts", got)
	}
}

// TestNoHandlerPicksAnOrganization: the default organization is named only
// where the organization of a request is resolved (org_host.go); handlers
// ask orgID.
func TestNoHandlerPicksAnOrganization(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || n == "org_host.go" {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "DefaultOrgID") {
				t.Errorf("%s:%d names the default organization; use s.orgID(r) (org_host.go): %s", n, i+1, strings.TrimSpace(line))
			}
		}
	}
}
