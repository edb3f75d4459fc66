package web_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestTokensNeverLogged runs the reset and activation flows, with their
// failures, under a debug-level logger, and checks that no one-time token
// appears in any log line, in the audit log, or in the outbox once sent.
func TestTokensNeverLogged(t *testing.T) {
	var logs gatehousetest.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := webtest.New(t, webtest.Options{Log: log})
	s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
	s.AddMember(t, "newbie", "newbie@example.com", "", gatehouse.RoleMember)
	b := s.Browser(t)
	reset := resetLink(t, s, b, "jdoe", "jane@example.com", 2)
	activation := gatehousetest.LinkIn(s.SMTP.Messages()[0])
	if strings.Contains(activation, "reset-password") {
		activation = gatehousetest.LinkIn(s.SMTP.Messages()[1])
	}
	submitReset(b, reset, newPasswordForm("short"))
	if r := submitReset(b, reset, newPasswordForm(newPassword)); r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	b.Get(reset) // 410, logged
	submitActivation(b, activation, newPasswordForm(newPassword))
	b.Get(activation)
	s.SMTP.WaitFor(t, 4, 20*time.Second)
	waitMessage(t, s, gatehouse.KindReset, func(m *gatehouse.Message) bool { return m.Status == gatehouse.MessageSent })

	tokens := []string{tokenOf(t, reset), tokenOf(t, activation)}
	out := logs.String()
	if !strings.Contains(out, `"path":"/reset-password"`) || !strings.Contains(out, `"status":410`) {
		t.Fatalf("the requests were not logged at all:\n%s", out)
	}
	var audit strings.Builder
	for _, e := range s.Audit(t) {
		for k, v := range e.Details {
			audit.WriteString(k + "=" + v + " ")
		}
		audit.WriteString(e.ActorName + " ")
	}
	for _, tok := range tokens {
		if strings.Contains(out, tok) {
			t.Errorf("a token is in the log")
		}
		if strings.Contains(audit.String(), tok) {
			t.Errorf("a token is in the audit log")
		}
		all, _, _ := s.Store.Messages(t.Context(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{Limit: 100})
		for _, m := range all {
			full, _ := s.Store.Message(t.Context(), gatehouse.DefaultOrgID, m.ID)
			if full.Status == gatehouse.MessageSent && strings.Contains(full.Text+full.HTML, tok) {
				t.Errorf("a sent %s message still holds its link", full.Kind)
			}
		}
	}
}
