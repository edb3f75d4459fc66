package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestResetThenSecondFactor joins the recovery and two-factor flows: with
// reset_signs_in on and two-factor required, the session a reset starts asks for
// the second factor unless reset_requires_second_factor is off (S16).
func TestResetThenSecondFactor(t *testing.T) {
	for _, tc := range []struct {
		requires string
		want     string
	}{{"on", "/login/verify?done=password_changed"}, {"off", "/account?done=password_changed"}} {
		t.Run("reset_requires_second_factor="+tc.requires, func(t *testing.T) {
			s := webtest.New(t, webtest.Options{Settings: map[string]string{
				"reset_signs_in": "on", "two_factor": "required", "reset_requires_second_factor": tc.requires,
			}})
			s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
			b := s.Browser(t)
			link := resetLink(t, s, b, "jdoe", "jane@example.com", 1)
			r := submitReset(b, link, newPasswordForm(newPassword))
			if r.Status != http.StatusSeeOther || r.Location != tc.want {
				t.Fatalf("after the reset: %d %s, want %s", r.Status, r.Location, tc.want)
			}
			api := b.Get("/api/v1/session")
			if signedIn := api.Status == http.StatusOK; signedIn != (tc.requires == "off") {
				t.Errorf("session API after the reset: %d", api.Status)
			}
			// The next sign-in asks for the second factor again either way (past
			// the resend cooldown of the code the reset sent).
			s.Clock.Advance(time.Minute)
			b2 := s.Browser(t)
			b2.SignIn("jdoe", newPassword, "/login/verify")
			if page := b2.Get("/login/verify"); !strings.Contains(page.Body, "j•••@example.com") && !strings.Contains(page.Body, "•••") {
				t.Errorf("the verify page does not say where the code went")
			}
		})
	}
}
