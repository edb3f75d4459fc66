package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// org is a small organization for admin tests: an owner, an administrator and
// a member, each active with goodPassword.
type adminOrg struct {
	Owner, Admin, Member *gatehouse.Member
}

func newAdminOrg(t testing.TB, s *webtest.Server) adminOrg {
	t.Helper()
	return adminOrg{
		Owner:  s.AddMember(t, "olivia", "olivia@example.com", goodPassword, gatehouse.RoleOwner),
		Admin:  s.AddMember(t, "adam", "adam@example.com", goodPassword, gatehouse.RoleAdministrator),
		Member: s.AddMember(t, "mia", "mia@example.com", goodPassword, gatehouse.RoleMember),
	}
}

// signedIn returns a browser signed in as username.
func signedInAs(t testing.TB, s *webtest.Server, username string) *webtest.Browser {
	t.Helper()
	b := s.Browser(t)
	b.SignIn(username, goodPassword, "/account")
	return b
}

// newKey creates an API key with role and returns it.
func newAPIKey(t testing.TB, s *webtest.Server, name string, role gatehouse.Role) string {
	t.Helper()
	key, _, err := s.App.APIKeys.Create(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, name, role)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	return key
}

// api sends an API request with the key (none when "") and a JSON body (none
// when "").
func apiRequest(t testing.TB, s *webtest.Server, key, method, path, body string) *webtest.Response {
	t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	} else {
		rd = strings.NewReader("")
	}
	r, err := http.NewRequest(method, s.URL+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return s.Do(t, r)
}

// wantProblem fails t unless r is problem details with status.
func wantProblem(t testing.TB, what string, r *webtest.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, r.Status, status, r.Body)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	if !strings.Contains(r.Body, `"status":`) || !strings.Contains(r.Body, `"title":`) {
		t.Errorf("%s: not problem details: %s", what, r.Body)
	}
}

// sessionsOf counts the member's live sessions.
func sessionsOf(t testing.TB, s *webtest.Server, m *gatehouse.Member) int {
	t.Helper()
	list, err := s.Store.MemberSessions(context.Background(), m.OrgID, m.ID, s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

// decode reads a JSON answer into v.
func decodeJSONBody(t testing.TB, r *webtest.Response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decoding %q: %v", r.Body, err)
	}
}

func itoaT(n int) string { return strconv.Itoa(n) }

// countActor counts the events by the actor of kind and name.
func countActor(evs []*gatehouse.AuditEvent, kind gatehouse.ActorKind, name string) int {
	n := 0
	for _, e := range evs {
		if e.ActorKind == kind && e.ActorName == name {
			n++
		}
	}
	return n
}
