package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

const (
	aliceMobile = "+447700900123"
	wait        = 10 * time.Second
)

// tfServer is a test server whose texts go to a Twilio look-alike.
type tfServer struct {
	*webtest.Server
	Twilio *gatehousetest.TwilioServer
}

// eachTwoFactor runs fn on a fresh server with the settings on every database,
// with an SMS provider of its own.
func eachTwoFactor(t *testing.T, settings map[string]string, fn func(t *testing.T, s *tfServer)) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			fn(t, newTwoFactor(t, db.URL, settings))
		})
	}
}

// newTwoFactor starts a server on the database (SQLite when "").
func newTwoFactor(t *testing.T, dbURL string, settings map[string]string) *tfServer {
	tw := gatehousetest.NewTwilioServer(t)
	s := webtest.New(t, webtest.Options{DatabaseURL: dbURL, SMSURL: tw.URL(), Settings: settings})
	return &tfServer{Server: s, Twilio: tw}
}

// required is the settings of an organization that requires two-factor.
func required(extra ...string) map[string]string {
	m := map[string]string{"two_factor": "required"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// addWithMobile adds a member with the mobile number ("" for none), marked
// verified as if the member had entered a code sent to it (an unverified
// number is tested on its own: twofactor_unverified_test.go). The number is
// part of the new account, so no security notice is sent for it.
func (s *tfServer) addWithMobile(t *testing.T, username, email, mobile string) *gatehouse.Member {
	t.Helper()
	m, _, err := s.Admin.CreateMember(context.Background(), gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.NewMember{
		OrgID: gatehouse.DefaultOrgID, Username: username, Email: email, Mobile: mobile, Password: goodPassword, Role: gatehouse.RoleMember, DisplayName: "Test " + username,
	})
	if err != nil {
		t.Fatalf("adding %s: %v", username, err)
	}
	if mobile != "" {
		s.VerifyMobile(t, m)
	}
	return m
}

// smsCode waits for the n-th text message and returns its recipient and code.
func (s *tfServer) smsCode(t *testing.T, n int) (to, code string) {
	t.Helper()
	msgs := s.Twilio.WaitFor(t, n, wait)
	m := msgs[n-1]
	if m.From != gatehousetest.TwilioFrom {
		t.Errorf("text sent from %q", m.From)
	}
	code = gatehousetest.CodeIn(m.Body)
	if len(code) != 6 {
		t.Fatalf("no 6-digit code in the text %q", m.Body)
	}
	return m.To, code
}

// emailCode waits for the n-th email and returns its recipient and code.
func (s *tfServer) emailCode(t *testing.T, n int) (to, code string) {
	t.Helper()
	msgs := s.SMTP.WaitFor(t, n, wait)
	m := msgs[n-1]
	if !strings.Contains(m.Subject, "sign-in code") {
		t.Fatalf("email %d is %q, not a sign-in code", n, m.Subject)
	}
	_, after, _ := strings.Cut(m.Text, "code is:")
	code = gatehousetest.CodeIn(after)
	if len(code) != 6 {
		t.Fatalf("no 6-digit code in the email %q", m.Text)
	}
	return m.To[0], code
}

// verify posts a code on the second-factor page.
func verify(b *webtest.Browser, method, code string, trust bool) *webtest.Response {
	f := url.Values{"method": {method}, "code": {code}}
	if trust {
		f.Set("trust", "on")
	}
	return b.Submit("/login/verify", "/login/verify", f)
}

// send asks for a new code on the channel.
func send(b *webtest.Browser, channel string) *webtest.Response {
	return b.Submit("/login/verify", "/login/verify/send", url.Values{"channel": {channel}})
}

// wantStatus fails unless r has the status and, for a redirect, the location.
func wantStatus(t *testing.T, what string, r *webtest.Response, status int, location string) {
	t.Helper()
	if r.Status != status || (location != "" && r.Location != location) {
		t.Fatalf("%s: %d to %q, want %d to %q\n%s", what, r.Status, r.Location, status, location, r.Body)
	}
}

// wantBody fails unless the body holds every string.
func wantBody(t *testing.T, what string, r *webtest.Response, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(r.Body, w) {
			t.Errorf("%s: the page does not say %q\n%s", what, w, r.Body)
		}
	}
}

// signedInOK reports whether the browser's session is fully signed in.
func signedInOK(b *webtest.Browser) bool {
	return b.Get("/api/v1/session").Status == http.StatusOK
}

// waitMessage waits until the outbox message of the member with the channel
// is no longer queued, and returns it.
func (s *tfServer) waitMessage(t *testing.T, memberID string, ch gatehouse.Channel, status gatehouse.MessageStatus) *gatehouse.Message {
	t.Helper()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		ms, _, err := s.Store.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: memberID, Channel: ch, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) > 0 {
			return ms[0]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %s message reached %s", ch, status)
	return nil
}
