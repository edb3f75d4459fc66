package signin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

const password = "violet kettle orbit marsh"

// TestStageAfterReset: the sign-in that follows a password reset asks for the
// second factor when the member would be asked at sign-in, unless
// reset_requires_second_factor is off (S16).
func TestStageAfterReset(t *testing.T) {
	tests := []struct {
		twoFactor, afterReset string
		app                   bool
		want                  gatehouse.Stage
	}{
		{"required", "on", false, gatehouse.StageSecondFactor},
		{"required", "off", false, gatehouse.StageActive},
		{"optional", "on", false, gatehouse.StageActive},
		{"optional", "on", true, gatehouse.StageSecondFactor},
		{"optional", "off", true, gatehouse.StageActive},
		{"off", "on", true, gatehouse.StageActive},
	}
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			s := webtest.New(t, webtest.Options{DatabaseURL: db.URL})
			plain := s.AddMember(t, "plain", "plain@example.com", password, gatehouse.RoleMember)
			withApp := s.AddMember(t, "withapp", "app@example.com", password, gatehouse.RoleMember)
			if err := s.Store.SaveAuthenticator(t.Context(), &gatehouse.Authenticator{OrgID: withApp.OrgID, MemberID: withApp.ID,
				Secret: "v1:x", CreatedAt: s.Clock.Now(), ConfirmedAt: s.Clock.Now()}); err != nil {
				t.Fatal(err)
			}
			for _, tt := range tests {
				set := gatehouse.DefaultSettings()
				set.Set("two_factor", tt.twoFactor)
				set.Set("reset_requires_second_factor", tt.afterReset)
				m := plain
				if tt.app {
					m = withApp
				}
				got, err := s.SignIn.StageAfterReset(t.Context(), m, &set)
				if err != nil || got != tt.want {
					t.Errorf("two_factor=%s reset_requires_second_factor=%s app=%v: %q, %v; want %q",
						tt.twoFactor, tt.afterReset, tt.app, got, err, tt.want)
				}
			}
		})
	}
}

// TestResetSessionSecondFactor acts out the reset sign-in end to end: with
// the setting on, the session goes to /login/verify, where a code can be sent
// and used; with it off, the member is signed in.
func TestResetSessionSecondFactor(t *testing.T) {
	for _, on := range []string{"on", "off"} {
		t.Run(on, func(t *testing.T) {
			tw := gatehousetest.NewTwilioServer(t)
			s := webtest.New(t, webtest.Options{SMSURL: tw.URL(), Settings: map[string]string{
				"two_factor": "required", "reset_requires_second_factor": on}})
			m := s.AddMember(t, "alice", "alice@example.com", password, gatehouse.RoleMember)
			if err := s.Mobile.SetMobile(t.Context(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, m, "+447700900123"); err != nil {
				t.Fatal(err)
			}
			s.VerifyMobile(t, m)
			token, sess, err := s.SignIn.StartResetSession(t.Context(), m, gatehouse.Client{IP: "192.0.2.1"})
			if err != nil {
				t.Fatal(err)
			}
			b := s.Browser(t)
			u, _ := url.Parse(s.URL)
			b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_session", Value: token}})
			if on == "off" {
				if sess.Stage != gatehouse.StageActive || b.Get("/api/v1/session").Status != http.StatusOK {
					t.Fatalf("with the setting off the reset session is %q", sess.Stage)
				}
				return
			}
			if r := b.Get("/account"); r.Location != "/login/verify" {
				t.Fatalf("the reset session goes to %q", r.Location)
			}
			page := b.Get("/login/verify")
			if page.Status != http.StatusOK || !strings.Contains(page.Body, "Send a code by SMS") {
				t.Fatalf("verify page: %d\n%s", page.Status, page.Body)
			}
			if r := b.Post("/login/verify/send", url.Values{"channel": {"sms"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("send: %d", r.Status)
			}
			code := gatehousetest.CodeIn(tw.WaitFor(t, 1, 10*time.Second)[0].Body)
			r := b.Post("/login/verify", url.Values{"method": {"code"}, "code": {code}})
			if r.Status != http.StatusSeeOther || r.Location != "/account" {
				t.Fatalf("code: %d %q", r.Status, r.Location)
			}
		})
	}
}
