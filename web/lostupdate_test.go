package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestPasswordChangeKeepsAdminChanges races an administrator who keeps
// changing their own password against an owner who, through the API, changes
// that administrator's role, email, expiry date and state at the same moment.
// After every round, each change that answered success must be what the row
// holds, and a change that failed must have changed nothing: a password write
// must never bring back the role or state the owner has just taken away (the
// lost update of issue 10), and a disabled account must stay disabled.
func TestPasswordChangeKeepsAdminChanges(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		key := newAPIKey(t, s, "crm", gatehouse.RoleOwner)
		admin := o.Admin
		current := goodPassword
		b := signedInAs(t, s, admin.Username)
		const rounds = 24
		for i := range rounds {
			next := fmt.Sprintf("quartz harbor willow %02d", i)
			// A change of role ends the member's sessions (a change of
			// privilege), which also stops a password change in flight; the
			// other rounds change what leaves the sessions alone.
			role := string(s.Member(t, admin.ID).Role)
			if i%4 == 1 {
				role = map[string]string{"member": "administrator", "administrator": "member"}[role]
			}
			email := fmt.Sprintf("adam+%d@example.com", i)
			expires := s.Clock.Now().AddDate(1, 0, i).Format("2006-01-02")
			patch := fmt.Sprintf(`{"role": %q, "email": %q, "expires_at": %q}`, role, email, expires)
			disable := i%4 == 3
			if disable {
				patch = `{"state": "disabled"}`
			}
			if r := b.Get("/account/password"); r.Status != http.StatusOK { // the form's anti-forgery token
				// A change of role ends the member's sessions: sign in again.
				b = s.Browser(t)
				b.SignIn(admin.Username, current, "/account")
				if r := b.Get("/account/password"); r.Status != http.StatusOK {
					t.Fatalf("round %d: the password page: %d", i, r.Status)
				}
			}

			var change, edit *webtest.Response
			start := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				<-start
				change = b.Post("/account/password", url.Values{
					"current_password": {current}, "new_password": {next}, "confirm_password": {next}})
			})
			wg.Go(func() {
				<-start
				edit = apiRequest(t, s, key, "PATCH", "/members/"+admin.ID, patch)
			})
			close(start)
			wg.Wait()

			changed := change.Status == http.StatusSeeOther && change.Location == "/account?done=password_changed"
			if !changed && change.Status >= 500 {
				t.Fatalf("round %d: the password change failed with %d\n%s", i, change.Status, change.Body)
			}
			if edit.Status != http.StatusOK {
				t.Fatalf("round %d: PATCH %s: %d\n%s", i, patch, edit.Status, edit.Body)
			}
			got := s.Member(t, admin.ID)
			if disable {
				if got.State != gatehouse.StateDisabled {
					t.Fatalf("round %d: the owner's disable answered 200, and the row says %s", i, got.State)
				}
			} else {
				if string(got.Role) != role || got.Email != email || got.ExpiresAt.Format("2006-01-02") != expires {
					t.Fatalf("round %d: the owner set role %s, email %s, expiry %s and the row holds %s, %s, %s",
						i, role, email, expires, got.Role, got.Email, got.ExpiresAt.Format("2006-01-02"))
				}
			}
			want := current
			if changed {
				want = next
			}
			if ok, _, err := s.Hasher.Verify(t.Context(), want, got.PasswordHash); err != nil || !ok {
				t.Fatalf("round %d: the change answered %d %s, and the row does not hold the password it implies", i, change.Status, change.Location)
			}
			current = want

			if disable {
				// Disabled means it: the password, old or new, signs nobody in.
				fresh := s.Browser(t)
				if r := fresh.Submit("/login", "/login", url.Values{"identifier": {admin.Username}, "password": {current}}); r.Status != http.StatusUnauthorized {
					t.Fatalf("round %d: the disabled account signed in: %d %s", i, r.Status, r.Location)
				}
				if r := apiRequest(t, s, key, "PATCH", "/members/"+admin.ID, `{"state": "active"}`); r.Status != http.StatusOK {
					t.Fatalf("round %d: enabling again: %d\n%s", i, r.Status, r.Body)
				}
				b = s.Browser(t)
				b.SignIn(admin.Username, current, "/account")
			}
		}
	})
}

// TestProfileFormKeepsChangesMadeMeanwhile: the profile form of a member's
// page sends back every field; saving it after someone else changed the
// member changes only what this administrator edited. A page loaded before
// the owner disabled the member, saved with a new name, leaves the member
// disabled.
func TestProfileFormKeepsChangesMadeMeanwhile(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		o := newAdminOrg(t, s)
		key := newAPIKey(t, s, "crm", gatehouse.RoleOwner)
		admin := signedInAs(t, s, "adam")
		path := "/admin/members/" + o.Member.ID
		page := admin.Get(path)
		form := formOf(t, page.Body, path+"/profile")
		if form.Get("state") != "active" || form.Get("email") != "mia@example.com" {
			t.Fatalf("the form shows %v", form)
		}
		if r := apiRequest(t, s, key, "PATCH", "/members/"+o.Member.ID,
			`{"state": "disabled", "email": "mia.new@example.com", "role": "administrator"}`); r.Status != http.StatusOK {
			t.Fatalf("PATCH: %d\n%s", r.Status, r.Body)
		}
		form.Set("name", "Mia Moss")
		if r := admin.Post(path+"/profile", form); r.Status != http.StatusSeeOther || r.Location != path+"?done=updated" {
			t.Fatalf("save: %d %s\n%s", r.Status, r.Location, r.Body)
		}
		got := s.Member(t, o.Member.ID)
		if got.DisplayName != "Mia Moss" || got.State != gatehouse.StateDisabled || got.Email != "mia.new@example.com" || got.Role != gatehouse.RoleAdministrator {
			t.Errorf("after saving a page loaded before the owner's change: name %q, state %s, email %s, role %s; want Mia Moss, disabled, mia.new@example.com, administrator",
				got.DisplayName, got.State, got.Email, got.Role)
		}
		for _, e := range s.Audit(t, gatehouse.EventMemberUpdated) {
			if e.ActorName == "adam" && (len(e.Details) != 1 || e.Details["display_name"] == "") {
				t.Errorf("the save is audited as %+v, want the name only", e.Details)
			}
		}
	})
}
