package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestAuditExportCSV: the export holds the filtered events, and cells that a
// spreadsheet would run as formulas are defused.
func TestAuditExportCSV(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	// A visitor types formulas where the log records what they typed.
	for _, id := range []string{"=HYPERLINK(\"http://evil.example\")", "+1+2", "-3", "@SUM(A1)"} {
		b := s.Browser(t)
		b.UserAgent = "=cmd|' /C calc'!A0"
		b.Submit("/login", "/login", url.Values{"identifier": {id}, "password": {"x"}})
	}
	admin := signedInAs(t, s, "adam")
	r := admin.Get("/admin/audit.csv?type=signin.failure")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("%d %v", r.Status, r.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || strings.Join(rows[0], ",") != "time,type,actor_kind,actor_id,actor_name,member_id,ip,user_agent,details,request_id" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	for _, row := range rows[1:] {
		if row[1] != "signin.failure" {
			t.Errorf("type filter let through %s", row[1])
		}
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s starts with a formula character: %q", rows[0][i], cell)
			}
		}
		if !strings.HasPrefix(row[4], "'") || row[7] != "'=cmd|' /C calc'!A0" {
			t.Errorf("not defused: actor %q, user agent %q", row[4], row[7])
		}
	}
	// Filters by member and time range; the member page links to its events.
	s.Clock.Advance(48 * time.Hour)
	admin = signedInAs(t, s, "adam")
	b := signedInAs(t, s, "mia")
	b.Post("/logout", nil)
	r = admin.Get("/admin/audit.csv?member=mia&since=" + s.Clock.Now().Format("2006-01-02"))
	rows, _ = csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if len(rows) != 3 || rows[1][5] != o.Member.ID || rows[2][5] != o.Member.ID {
		t.Errorf("mia's events since today: %v", rows)
	}
	if r := admin.Get("/admin/audit.csv?since=nonsense"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad date: %d", r.Status)
	}
}

// TestAuditPage: the audit list filters and pages.
func TestAuditPage(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	for i := range 60 {
		if err := s.Store.AddAudit(t.Context(), &gatehouse.AuditEvent{ID: gatehouse.NewID(nil), OrgID: gatehouse.DefaultOrgID,
			At: s.Clock.Now().Add(time.Duration(i) * time.Second), Type: gatehouse.EventSignInFailed, ActorName: "nobody"}); err != nil {
			t.Fatal(err)
		}
	}
	admin := signedInAs(t, s, "adam")
	r := admin.Get("/admin/audit?type=signin.failure")
	if r.Status != http.StatusOK || strings.Count(r.Body, `<span data-type="signin.failure"`) != 50 || !strings.Contains(r.Body, `rel="next"`) {
		t.Fatalf("first page: %d, %d rows", r.Status, strings.Count(r.Body, `<span data-type="signin.failure"`))
	}
	next := htmlBetween(r.Body, `<a href="`, `" rel="next"`)
	next = next[strings.LastIndex(next, `"`)+1:]
	r = admin.Get(strings.ReplaceAll(next, "&amp;", "&"))
	if strings.Count(r.Body, `<span data-type="signin.failure"`) != 10 || strings.Contains(r.Body, `rel="next"`) || !strings.Contains(r.Body, "First page") {
		t.Errorf("second page: %d rows", strings.Count(r.Body, `<span data-type="signin.failure"`))
	}
	r = admin.Get("/admin/audit?member=" + o.Admin.Username)
	if strings.Contains(r.Body, `<span data-type="signin.failure"`) || !strings.Contains(r.Body, `<span data-type="signin.success"`) {
		t.Error("the member filter does not filter")
	}
	if r := admin.Get("/admin/audit?until=2026-13-45"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad date: %d", r.Status)
	}
}

// TestAuditFilterByActor: "Done by" on the page and actor_id in the API
// select the events someone caused, whoever they were about; an API key's
// events are found by the key's id; a name that fits several members is
// refused, naming the field.
func TestAuditFilterByActor(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		admin := signedInAs(t, s, "adam")
		admin.Submit("/admin/members/"+o.Member.ID, "/admin/members/"+o.Member.ID+"/disable", nil)
		signedInAs(t, s, "olivia")
		key := newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
		if r := apiRequest(t, s, key, http.MethodPatch, "/members/"+o.Member.ID, `{"state":"active"}`); r.Status != http.StatusOK {
			t.Fatalf("API enable: %d %s", r.Status, r.Body)
		}
		keys, err := s.App.APIKeys.List(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.DefaultOrgID)
		if err != nil || len(keys) != 1 {
			t.Fatal(keys, err)
		}

		r := admin.Get("/admin/audit?actor=adam")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `<span data-type="member.updated"`) || !strings.Contains(r.Body, `<span data-type="signin.success"`) {
			t.Fatalf("adam's events: %d", r.Status)
		}
		if strings.Contains(r.Body, "olivia") || strings.Contains(r.Body, "crm") {
			t.Error("the actor filter let through events by others")
		}
		if !strings.Contains(r.Body, `id="actor" name="actor" type="search" value="adam"`) || !strings.Contains(r.Body, "actor=adam") {
			t.Error("the page does not keep the filter (field, export link)")
		}
		// By what the member is about and who acted: adam about mia.
		r = admin.Get("/admin/audit?actor=Test+adam&member=mia")
		if strings.Count(r.Body, `<span data-type="`) == 0 || strings.Contains(r.Body, `<span data-type="signin.success"`) {
			t.Error("actor and member together")
		}
		// Several members fit "Test": refused, naming the field.
		r = admin.Get("/admin/audit?actor=Test")
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="actor-error"`) {
			t.Errorf("ambiguous actor: %d", r.Status)
		}

		api := apiRequest(t, s, key, http.MethodGet, "/audit-events?actor_id="+o.Admin.ID, "")
		var got struct {
			Events []struct {
				Type  string              `json:"type"`
				Actor struct{ ID string } `json:"actor"`
			} `json:"events"`
		}
		decodeJSONBody(t, api, &got)
		if len(got.Events) < 2 {
			t.Fatalf("API: %d events by adam", len(got.Events))
		}
		for _, e := range got.Events {
			if e.Actor.ID != o.Admin.ID {
				t.Errorf("API: an event of %s by %s", e.Type, e.Actor.ID)
			}
		}
		r = admin.Get("/admin/audit?actor=" + keys[0].ID)
		if !strings.Contains(r.Body, `<span data-type="member.updated"`) || strings.Contains(r.Body, `<span data-type="signin.success"`) {
			t.Error("the key's events by its id")
		}
	})
}
