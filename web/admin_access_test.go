package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestAdminAccess checks who reaches the admin area: visitors are sent to sign
// in (and come back), members get a 403 page (not a redirect), administrators
// and owners get every page.
func TestAdminAccess(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	pages := []string{"/admin", "/admin/members", "/admin/members/new", "/admin/members/" + o.Member.ID,
		"/admin/members/" + o.Member.ID + "/delete", "/admin/settings", "/admin/audit", "/admin/audit.csv",
		"/admin/messages", "/admin/api-keys"}

	anon := s.Browser(t)
	for _, p := range pages {
		r := anon.Get(p)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/login?next=") {
			t.Errorf("anonymous GET %s: %d to %q, want the sign-in page", p, r.Status, r.Location)
		}
	}
	if r := anon.Post("/admin/members/"+o.Member.ID+"/disable", nil); r.Status < 300 || r.Status == http.StatusOK {
		t.Errorf("anonymous POST: %d", r.Status)
	}

	member := signedInAs(t, s, "mia")
	for _, p := range pages {
		r := member.Get(p)
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "for administrators and owners") {
			t.Errorf("member GET %s: %d, want a 403 page", p, r.Status)
		}
		if strings.Contains(r.Body, `href="/admin/members">Admin`) {
			t.Errorf("member GET %s: the 403 page offers the admin link", p)
		}
	}
	member.Get("/account")
	for _, p := range []string{"/admin/members/" + o.Admin.ID + "/disable", "/admin/settings", "/admin/api-keys", "/admin/members/activation/send"} {
		if r := member.Post(p, nil); r.Status != http.StatusForbidden {
			t.Errorf("member POST %s: %d, want 403", p, r.Status)
		}
	}
	if got := s.Member(t, o.Admin.ID); got.State != "active" {
		t.Errorf("a member disabled an administrator: %s", got.State)
	}

	for _, who := range []string{"adam", "olivia"} {
		b := signedInAs(t, s, who)
		for _, p := range pages {
			r := b.Get(p)
			want := http.StatusOK
			if p == "/admin" {
				want = http.StatusSeeOther
			}
			if r.Status != want {
				t.Errorf("%s GET %s: %d, want %d\n%.500s", who, p, r.Status, want, r.Body)
			}
		}
		if r := b.Get("/admin/members/nope"); r.Status != http.StatusNotFound {
			t.Errorf("%s GET an unknown member: %d", who, r.Status)
		}
	}
}
