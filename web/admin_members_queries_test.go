package web_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/web"
)

// statementCounter counts the statements each request runs, by the request's
// correlation id (web.RequestID of the context the store is called with).
// The lookups that the replica's caches answer most of the time (the
// session, the organization, its settings, its logo and own texts) are left out: whether a cache
// answers depends on how long ago the last request was.
type statementCounter struct {
	mu sync.Mutex
	n  map[string]int
	q  map[string][]string
}

func countStatements(t *testing.T, s *webtest.Server) *statementCounter {
	c := &statementCounter{n: map[string]int{}, q: map[string][]string{}}
	s.Store.ObserveStatements(func(ctx context.Context, q string) {
		if id := web.RequestID(ctx); id != "" && !cached(q) {
			c.mu.Lock()
			c.n[id]++
			c.q[id] = append(c.q[id], q)
			c.mu.Unlock()
		}
	})
	t.Cleanup(func() { s.Store.ObserveStatements(nil) })
	return c
}

// cached reports whether q is one of the lookups the caches answer.
func cached(q string) bool {
	for _, from := range []string{"FROM sessions s JOIN members m", "FROM organizations WHERE", "FROM org_hosts WHERE", "FROM org_settings WHERE", "FROM org_logos WHERE", "FROM org_texts WHERE"} {
		if strings.Contains(q, from) {
			return true
		}
	}
	return false
}

func (c *statementCounter) of(r *webtest.Response) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[r.Header.Get(web.RequestIDHeader)]
}

// TestMemberListQueriesPerPage: a page of the member list costs the same
// few statements with 3 rows as with 100, whatever second steps the members
// have (it once checked each row's app on its own: about fifty queries a
// page), but for the count, which a list that fits its first page needs not.
func TestMemberListQueriesPerPage(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		b := signedInAs(t, s, "adam")
		b.Get("/admin/members")
		c := countStatements(t, s)
		small := b.Get("/admin/members?size=100")
		if n := strings.Count(small.Body, `name="member_id" value=`); n != 3 {
			t.Fatalf("%d rows", n)
		}
		for i := range 110 {
			m := s.AddMember(t, fmt.Sprintf("user%03d", i), fmt.Sprintf("user%03d@example.com", i), goodPassword, gatehouse.RoleMember)
			if i%2 == 0 {
				now := s.Clock.Now()
				if err := s.Store.SaveAuthenticator(context.Background(), &gatehouse.Authenticator{OrgID: m.OrgID, MemberID: m.ID, Secret: "sealed", CreatedAt: now, ConfirmedAt: now}); err != nil {
					t.Fatal(err)
				}
			}
		}
		large := b.Get("/admin/members?size=100")
		if n := strings.Count(large.Body, `name="member_id" value=`); n != 100 {
			t.Fatalf("%d rows", n)
		}
		if !strings.Contains(large.Body, ">app</td>") {
			t.Error("no row shows an app")
		}
		few, many := c.of(small), c.of(large)
		t.Logf("statements: %d for 3 rows, %d for 100", few, many)
		// The 3 rows are the whole list, whose length is its total: the
		// 100 are not, and their total is counted.
		if few == 0 || many != few+1 || many > 5 {
			t.Errorf("statements: %d for 3 rows, %d for 100; want the same few and the count:\n%s\n----\n%s", few, many,
				strings.Join(c.q[small.Header.Get(web.RequestIDHeader)], "\n"), strings.Join(c.q[large.Header.Get(web.RequestIDHeader)], "\n"))
		}
	})
}

// TestMemberCountBounded: past 500 matches (as many as a bulk action
// takes) the list says "More than 500" rather than counting every match;
// below, it gives the count.
func TestMemberCountBounded(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	newAdminOrg(t, s)
	b := signedInAs(t, s, "adam")
	now := s.Clock.Now()
	var ms []*gatehouse.Member
	for i := range 1005 {
		name := fmt.Sprintf("bulk%04d", i)
		ms = append(ms, &gatehouse.Member{ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID, Username: name,
			DisplayName: "Bulk " + name, Email: name + "@example.com", Role: gatehouse.RoleMember,
			State: gatehouse.StateActive, CreatedAt: now, UpdatedAt: now})
	}
	if err := s.Store.CreateMembers(context.Background(), ms); err != nil {
		t.Fatal(err)
	}
	if r := b.Get("/admin/members?query=bulk"); !strings.Contains(r.Body, "More than 500 members match.") {
		t.Errorf("1005 matches: %q", between(r.Body, `id="member-count">`, "</p>"))
	}
	if r := b.Get("/admin/members?query=bulk09"); !strings.Contains(r.Body, `id="member-count">100 members match`) {
		t.Errorf("100 matches: %q", between(r.Body, `id="member-count">`, "</p>"))
	}
}

// between returns the text of s after start up to end, or "".
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	in, _, _ := strings.Cut(after, end)
	return in
}
