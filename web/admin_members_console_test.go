package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestMemberListConsole: the list counts what matches, sorts by a column
// header (and back), pages forward and back at the chosen size, and shows
// the last sign-in and second-step columns with a "Reset password" on each row.
func TestMemberListConsole(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		newAdminOrg(t, s)
		for i := range 30 {
			s.AddMember(t, fmt.Sprintf("user%02d", i), fmt.Sprintf("user%02d@example.com", i), "", gatehouse.RoleMember)
		}
		b := signedInAs(t, s, "adam")
		r := b.Get("/admin/members?size=25")
		if !strings.Contains(r.Body, "33 members match.") {
			t.Errorf("count: %q", htmlBetween(r.Body, `id="member-count">`, "</p>"))
		}
		if n := strings.Count(r.Body, `name="member_id" value=`); n != 25 {
			t.Errorf("%d rows at size 25", n)
		}
		// A list that fits its first page is counted by its rows.
		for _, c := range []struct{ path, want string }{
			{"/admin/members", "33 members match."}, {"/admin/members?query=user0", "10 members match."},
		} {
			if got := b.Get(c.path); !strings.Contains(got.Body, c.want) {
				t.Errorf("%s: count %q, want %q", c.path, htmlBetween(got.Body, `id="member-count">`, "</p>"), c.want)
			}
		}
		for _, want := range []string{`aria-sort="ascending"`, ">Last sign-in", ">Second step<", `Reset password…`, `formaction="/admin/members/`, `data-select-all="member_id"`, `id="all_matching"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("the list lacks %s", want)
			}
		}
		next := strings.ReplaceAll(htmlBetween(r.Body, `<a href="`, `" rel="next"`), "&amp;", "&")
		next = next[strings.LastIndex(next, `"`)+1:]
		r2 := b.Get(next)
		if n := strings.Count(r2.Body, `name="member_id" value=`); n != 8 || !strings.Contains(r2.Body, `rel="prev"`) {
			t.Errorf("second page: %d rows, previous link %v", n, strings.Contains(r2.Body, `rel="prev"`))
		}
		// Sorted by email, descending: user29 first.
		r = b.Get("/admin/members?sort=email&desc=1")
		if r.Status != http.StatusOK || strings.Index(r.Body, "user29@") > strings.Index(r.Body, "user00@") || !strings.Contains(r.Body, `aria-sort="descending"`) {
			t.Errorf("sort by email descending: %d", r.Status)
		}
	})
}

// TestBulkDisableConfirmsThenRedirects: a bulk disable goes to a confirmation
// page that names the members and changes nothing; its form disables them
// and redirects to the list with the result, so a refresh repeats nothing.
// An owner in the selection is skipped for an administrator.
func TestBulkDisableConfirmsThenRedirects(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		zoe := s.AddMember(t, "zoe", "zoe@example.com", goodPassword, gatehouse.RoleMember)
		b := signedInAs(t, s, "adam")
		b.Get("/admin/members")
		r := b.Post("/admin/members/bulk", url.Values{"action": {"disable"}, "member_id": {o.Member.ID, zoe.ID, o.Owner.ID}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/admin/members/bulk?") {
			t.Fatalf("start: %d %s", r.Status, r.Location)
		}
		page := b.Follow(r)
		if !strings.Contains(page.Body, "Disable 3 members?") || !strings.Contains(page.Body, "Test zoe (zoe)") || s.Member(t, zoe.ID).State != gatehouse.StateActive {
			t.Fatalf("confirmation:\n%s", htmlBetween(page.Body, "<h1>", "</form>"))
		}
		apply := url.Values{"action": {"disable"}, "member_id": {o.Member.ID, zoe.ID, o.Owner.ID}}
		r = b.Post("/admin/members/bulk/apply", apply)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/admin/members?") {
			t.Fatalf("apply: %d %s", r.Status, r.Location)
		}
		if s.Member(t, zoe.ID).State != gatehouse.StateDisabled || s.Member(t, o.Member.ID).State != gatehouse.StateDisabled || s.Member(t, o.Owner.ID).State != gatehouse.StateActive {
			t.Error("the bulk disable did not disable exactly the members it may")
		}
		if done := htmlBetween(b.Follow(r).Body, `id="bulk-done">`, "</div>"); !strings.Contains(done, "2 members disabled.") || !strings.Contains(done, "1 member was skipped") {
			t.Errorf("result: %q", done)
		}
		if r := b.Post("/admin/members/bulk", url.Values{"action": {"disable"}}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("nothing ticked: %d", r.Status)
		}
	})
}
