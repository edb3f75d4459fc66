package web_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// insideConfirm reports whether the form posting to action sits inside a
// closed <details class="confirm">, so that one click cannot send it.
func insideConfirm(body, action string) bool {
	i := strings.Index(body, `action="`+action+`"`)
	if i < 0 {
		return false
	}
	open := strings.LastIndex(body[:i], `<details class="confirm"`)
	return open >= 0 && strings.LastIndex(body[:i], "</details>") < open
}

// TestDestructiveActionsAskFirst: disabling a member, ending their sessions,
// revoking an API key, signing out everywhere and no longer trusting any
// browser each take a second, explicit click.
func TestDestructiveActionsAskFirst(t *testing.T) {
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	newAPIKey(t, s, "crm", gatehouse.RoleAdministrator)
	b := signedInAs(t, s, "olivia")
	member := b.Get("/admin/members/" + o.Member.ID).Body
	keys := b.Get("/admin/api-keys").Body
	account := b.Get("/account").Body
	for _, c := range []struct{ page, body, action string }{
		{"member", member, "/admin/members/" + o.Member.ID + "/disable"},
		{"member", member, "/admin/members/" + o.Member.ID + "/sessions/end"},
		{"api keys", keys, "/admin/api-keys/"},
		{"account", account, "/account/sessions/end-all"},
	} {
		body := c.body
		if c.action == "/admin/api-keys/" {
			i := strings.Index(body, `action="/admin/api-keys/`)
			j := strings.Index(body[i+8:], `"`)
			c.action = body[i+8 : i+8+j]
		}
		if !insideConfirm(body, c.action) {
			t.Errorf("%s page: the form to %s does not ask first", c.page, c.action)
		}
	}
	if !strings.Contains(member, `class="button destructive" href="/admin/members/`+o.Member.ID+`/delete"`) {
		t.Error(`"Delete…" is not styled as the destructive action`)
	}
}

// TestBrowserDisableAsksFirst: the first click on "Disable account…" only
// explains; the member is disabled after the second.
func TestBrowserDisableAsksFirst(t *testing.T) {
	tab := gatehousetest.Chrome(t)
	s := webtest.New(t, webtest.Options{})
	o := newAdminOrg(t, s)
	tab.Go(s.URL + "/login")
	tab.Fill("#identifier", "olivia")
	tab.Fill("#password", goodPassword)
	tab.Submit("button.primary")
	tab.Go(s.URL + "/admin/members/" + o.Member.ID)
	tab.Click("#disable-ask")
	if got := tab.Text("#disable-confirm .confirm-text"); !strings.Contains(got, "will not be able to sign in") {
		t.Errorf("the confirmation says %q", got)
	}
	if st := s.Member(t, o.Member.ID).State; st != gatehouse.StateActive {
		t.Fatalf("one click changed the state to %s", st)
	}
	tab.Submit("#disable")
	if st := s.Member(t, o.Member.ID).State; st != gatehouse.StateDisabled {
		t.Errorf("after confirming, the state is %s", st)
	}
}
