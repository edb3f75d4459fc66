package web_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestLastSignIn: a member's last sign-in is recorded when a sign-in is
// complete, every factor proven: not after a wrong password, and not after
// the password alone when a second factor is asked for.
func TestLastSignIn(t *testing.T) {
	t.Run("password", func(t *testing.T) {
		webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
			m := s.AddMember(t, "alice", "alice@example.com", goodPassword, gatehouse.RoleMember)
			b := s.Browser(t)
			r := b.Submit("/login", "/login", url.Values{"identifier": {"alice"}, "password": {"not the password at all"}})
			wantStatus(t, "wrong password", r, http.StatusUnauthorized, "")
			if got := s.Member(t, m.ID).LastSignInAt; !got.IsZero() {
				t.Errorf("after a wrong password: last sign-in %v", got)
			}
			s.Clock.Advance(time.Hour)
			b.SignIn("alice", goodPassword, "/account")
			wantSignIn(t, s.Member(t, m.ID), s.Clock.Now())
		})
	})
	t.Run("second factor", func(t *testing.T) {
		eachTwoFactor(t, required(), func(t *testing.T, s *tfServer) {
			m := s.addWithMobile(t, "alice", "alice@example.com", aliceMobile)
			b := s.Browser(t)
			b.SignIn("alice", goodPassword, "/login/verify")
			if got := s.Member(t, m.ID).LastSignInAt; !got.IsZero() {
				t.Errorf("after the password alone: last sign-in %v", got)
			}
			_, code := s.smsCode(t, 1)
			s.Clock.Advance(time.Minute)
			wantStatus(t, "right code", verify(b, "code", code, false), http.StatusSeeOther, "/account")
			wantSignIn(t, s.Member(t, m.ID), s.Clock.Now())
		})
	})
}

func wantSignIn(t *testing.T, m *gatehouse.Member, at time.Time) {
	t.Helper()
	if !m.LastSignInAt.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("last sign-in %v, want %v", m.LastSignInAt, at)
	}
}
