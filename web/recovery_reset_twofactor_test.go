package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
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

// TestResetSendsTheSecondFactorCode: when a completed reset signs the member
// in at the second-factor stage, the code goes out at once, as after a
// password at sign-in: by SMS to a member with a mobile number, else by email;
// and the code it sent completes the sign-in.
func TestResetSendsTheSecondFactorCode(t *testing.T) {
	settings := required("reset_signs_in", "on", "reset_requires_second_factor", "on")
	for _, channel := range []string{"sms", "email"} {
		t.Run(channel, func(t *testing.T) {
			eachTwoFactor(t, settings, func(t *testing.T, s *tfServer) {
				mobile := ""
				if channel == "sms" {
					mobile = aliceMobile
				}
				s.addWithMobile(t, "alice", "alice@example.com", mobile)
				b := s.Browser(t)
				link := resetLink(t, s.Server, b, "alice", "alice@example.com", 1)
				r := submitReset(b, link, newPasswordForm(newPassword))
				wantStatus(t, "reset", r, http.StatusSeeOther, "/login/verify?done=password_changed")
				var to, code string
				if channel == "sms" {
					to, code = s.smsCode(t, 1)
					if to != aliceMobile {
						t.Errorf("code texted to %s", to)
					}
				} else {
					msgs := s.SMTP.WaitFor(t, 3, wait) // the link, the code, "your password was changed"
					for _, m := range msgs {
						if strings.Contains(m.Subject, "sign-in code") {
							_, after, _ := strings.Cut(m.Text, "code is:")
							to, code = m.To[0], gatehousetest.CodeIn(after)
						}
					}
					if to != "alice@example.com" || len(code) != 6 {
						t.Fatalf("no sign-in code was emailed after the reset (to %q, code %q)", to, code)
					}
				}
				wantStatus(t, "the code sent after the reset", verify(b, "code", code, false), http.StatusSeeOther, "/account")
				if !signedInOK(b) {
					t.Error("not signed in after the code")
				}
			})
		})
	}
}
