package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestAuditLogSpeaksInNames: events name their actor and member by name with
// a link, the type picker offers readable names, times are <time> elements in
// UTC (which the browser shows in local time), and the member filter takes a
// part of a name or an email address.
func TestAuditLogSpeaksInNames(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	admin := signedInAs(t, s, "adam")
	signedInAs(t, s, "mia")
	page := admin.Get("/admin/audit").Body
	if !strings.Contains(page, `<a href="/admin/members/`+o.Member.ID+`">Test mia</a>`) {
		t.Error("the log does not name mia with a link")
	}
	if strings.Contains(page, `>`+o.Member.ID+`</a>`) {
		t.Error("the log shows a member id as the link text")
	}
	if !strings.Contains(page, `<option value="signin.success">Signed in</option>`) || !strings.Contains(page, `<select id="type" name="type">`) {
		t.Error("the event picker does not offer readable names")
	}
	if !strings.Contains(page, `<time datetime="`) || !strings.Contains(page, ` UTC</time>`) {
		t.Error("times are not <time> elements in the page's time zone (UTC here)")
	}
	r := admin.Get("/admin/audit?member=mia%40exam")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `<span data-type="signin.success"`) || strings.Contains(r.Body, `<a href="/admin/members/`+o.Admin.ID+`">Test adam</a></td>`+"\n    <td data-label=\"Member\"><a href=\"/admin/members/"+o.Admin.ID) {
		t.Errorf("filter by part of the email: %d", r.Status)
	}
	if r := admin.Get("/admin/audit?member=example.com"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "More than one member matches") {
		t.Errorf("an ambiguous member filter: %d", r.Status)
	}
}
