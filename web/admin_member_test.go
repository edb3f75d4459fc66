package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

func profileValues(m *gatehouse.Member, edit map[string]string) url.Values {
	f := url.Values{"name": {m.DisplayName}, "email": {m.Email}, "work_email": {m.WorkEmail}, "mobile": {m.Mobile},
		"role": {string(m.Role)}, "state": {string(m.State)}, "expires": {""}}
	for k, v := range edit {
		f.Set(k, v)
	}
	return f
}

// TestMemberPage edits a member's record and uses every action of the page.
func TestMemberPage(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		admin := signedInAs(t, s, "adam")
		page := "/admin/members/" + o.Member.ID

		r := admin.Submit(page, page+"/profile", profileValues(o.Member, map[string]string{"mobile": "not a number", "email": "nope", "expires": "31/12/2026"}))
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad profile: %d", r.Status)
		}
		for _, f := range []string{"mobile", "email", "expires"} {
			if !strings.Contains(r.Body, `id="`+f+`-error"`) {
				t.Errorf("no error next to %s", f)
			}
		}
		if !strings.Contains(r.Body, `value="not a number"`) {
			t.Error("the typed values are not shown again")
		}
		if got := s.Member(t, o.Member.ID); got.Email != "mia@example.com" {
			t.Fatal("a refused profile was saved")
		}
		r = admin.Submit(page, page+"/profile", profileValues(o.Member, map[string]string{"name": "Mia Moss", "work_email": "mia@corp.example",
			"mobile": "+44 (0)7911 123456", "expires": "2027-01-31", "role": "administrator"}))
		if r.Status != http.StatusSeeOther || r.Location != page+"?done=updated" {
			t.Fatalf("save: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		got := s.Member(t, o.Member.ID)
		if got.DisplayName != "Mia Moss" || got.WorkEmail != "mia@corp.example" || got.Mobile != "+447911123456" ||
			got.Role != gatehouse.RoleAdministrator || !got.ExpiresAt.Equal(time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("saved %+v", got)
		}
		evs := s.Audit(t, gatehouse.EventMemberUpdated)
		if len(evs) != 1 || evs[0].Details["mobile"] != " → +447911123456" || evs[0].Details["role"] != "member → administrator" || evs[0].ActorName != "adam" {
			t.Errorf("audit %+v", evs)
		}
		if evs := s.Audit(t, gatehouse.EventMobileChanged); len(evs) != 1 || !strings.HasSuffix(evs[0].Details["new"], "3456") || strings.Contains(evs[0].Details["new"], "7911") || evs[0].Details["via"] != "admin" {
			t.Errorf("mobile change audit %+v", evs)
		}
		if r := admin.Submit(page, page+"/profile", profileValues(got, map[string]string{"expires": "2027-01-31"})); r.Location != page+"?done=unchanged" {
			t.Errorf("saving without a change: %s", r.Location)
		}

		mia := signedInAs(t, s, "mia")
		signedInAs(t, s, "mia")
		if r := admin.Get(page); !strings.Contains(r.Body, "2 active") {
			t.Error("the page does not count the sessions")
		}
		if r := admin.Submit(page, page+"/sessions/end", nil); r.Location != page+"?done=sessions_ended" || sessionsOf(t, s, got) != 0 {
			t.Errorf("end sessions: %s, %d left", r.Location, sessionsOf(t, s, got))
		}
		if r := mia.Get("/account"); r.Status != http.StatusSeeOther {
			t.Errorf("an ended session still works: %d", r.Status)
		}
		mia = signedInAs(t, s, "mia")
		if r := admin.Submit(page, page+"/disable", nil); r.Location != page+"?done=disabled" {
			t.Errorf("disable: %d %s", r.Status, r.Location)
		}
		if got := s.Member(t, o.Member.ID); got.State != gatehouse.StateDisabled || sessionsOf(t, s, got) != 0 {
			t.Errorf("after disable: %s, %d sessions", got.State, sessionsOf(t, s, got))
		}
		if r := s.Browser(t).Submit("/login", "/login", url.Values{"identifier": {"mia"}, "password": {goodPassword}}); r.Status != http.StatusUnauthorized {
			t.Errorf("a disabled member signed in: %d", r.Status)
		}
		if r := admin.Get(page); !strings.Contains(r.Body, `id="enable"`) {
			t.Error("a disabled member's page offers no Enable")
		}
		if r := admin.Submit(page, page+"/enable", nil); r.Location != page+"?done=enabled" || s.Member(t, o.Member.ID).State != gatehouse.StateActive {
			t.Errorf("enable: %s", r.Location)
		}

		// The page shows the member's events and the delivery status of their mail (S30).
		s.SMTP.RejectAddress("mia@corp.example", 550, "5.1.1 no such mailbox here")
		admin.Submit(page, page+"/activation", nil)
		var failed bool
		for range 200 {
			msgs, _, _ := s.Store.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: o.Member.ID, Status: gatehouse.MessageFailed})
			if failed = len(msgs) > 0; failed {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !failed {
			t.Fatal("the refused email never failed")
		}
		r = admin.Get(page)
		mail := strings.ReplaceAll(htmlBetween(r.Body, `id="mail"`, "</section>"), "<wbr>", "")
		if !strings.Contains(mail, "failed") || !strings.Contains(mail, "no such mailbox here") || !strings.Contains(mail, "mia@corp.example") {
			t.Errorf("delivery status:\n%s", mail)
		}
		events := htmlBetween(r.Body, `id="events"`, "</section>")
		for _, want := range []string{"member.updated", "sessions.revoked", "activation.sent"} {
			if !strings.Contains(events, want) {
				t.Errorf("recent events lack %s", want)
			}
		}
		if r := admin.Get("/admin/messages?status=failed"); !strings.Contains(r.Body, "no such mailbox here") {
			t.Error("the mail page does not show the failure")
		}

		// Delete asks first; the POST deletes.
		if r := admin.Get(page + "/delete"); !strings.Contains(r.Body, "cannot be undone") {
			t.Error("no confirmation page")
		}
		if s.Member(t, o.Member.ID) == nil {
			t.Fatal("the confirmation page deleted")
		}
		r = admin.Submit(page+"/delete", page+"/delete", nil)
		if r.Location != "/admin/members?done=deleted" {
			t.Errorf("delete: %d %s", r.Status, r.Location)
		}
		if _, err := s.Store.Member(context.Background(), gatehouse.DefaultOrgID, o.Member.ID); !gatehouse.IsCode(err, gatehouse.NotFound) {
			t.Error("not deleted")
		}
		if evs := s.Audit(t, gatehouse.EventMemberDeleted); len(evs) != 1 || evs[0].Details["username"] != "mia" {
			t.Errorf("delete audit: %+v", evs)
		}
		if r := admin.Get(page); r.Status != http.StatusNotFound {
			t.Errorf("a deleted member's page: %d", r.Status)
		}
	})
}

// TestNewMemberPage creates members in the admin area, with and without a
// password.
func TestNewMemberPage(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	newAdminOrg(t, s)
	admin := signedInAs(t, s, "adam")
	r := admin.Submit("/admin/members/new", "/admin/members/new", url.Values{"username": {"bad name"}, "email": {"x"}, "password": {"short"}, "role": {"member"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="username-error"`) || !strings.Contains(r.Body, `id="email-error"`) {
		t.Errorf("invalid: %d", r.Status)
	}
	r = admin.Submit("/admin/members/new", "/admin/members/new", url.Values{"username": {"nico"}, "email": {"nico@example.com"}, "password": {"short"}, "role": {"member"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(htmlBetween(r.Body, `id="password-error"`, "</p>"), "at least 15 characters") {
		t.Errorf("weak password: %d", r.Status)
	}
	r = admin.Submit("/admin/members/new", "/admin/members/new", url.Values{"username": {"nico"}, "name": {"Nico N"}, "email": {"nico@example.com"},
		"mobile": {"+33 6 12 34 56 78"}, "role": {"member"}})
	if r.Status != http.StatusSeeOther || !strings.HasSuffix(r.Location, "?done=created_activation") {
		t.Fatalf("create: %d %s\n%s", r.Status, r.Location, r.Body)
	}
	m, err := s.Store.MemberByUsername(context.Background(), gatehouse.DefaultOrgID, "nico")
	if err != nil || m.State != gatehouse.StateNeverActivated || m.Mobile != "+33612345678" {
		t.Fatalf("created %+v, %v", m, err)
	}
	if msg := s.SMTP.WaitFor(t, 1, 10*time.Second)[0]; msg.To[0] != "nico@example.com" {
		t.Errorf("activation email to %v", msg.To)
	}
	if page := admin.Follow(r); !strings.Contains(page.Body, "an activation email is on its way") {
		t.Error("no notice")
	}
	// Enabling a never-activated account that was disabled makes it wait for activation again.
	p := "/admin/members/" + m.ID
	admin.Submit(p, p+"/disable", nil)
	admin.Submit(p, p+"/enable", nil)
	if got := s.Member(t, m.ID); got.State != gatehouse.StateNeverActivated {
		t.Errorf("re-enabled as %s", got.State)
	}
	r = admin.Submit(p, p+"/profile", profileValues(m, map[string]string{"state": "active"}))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "never been activated") {
		t.Errorf("activating without a password: %d", r.Status)
	}
}
