package web_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestFailedDeliveryAudited: a mail server that refuses the address for good
// makes the message fail, and the audit log says so for administrators (S30).
func TestFailedDeliveryAudited(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		s.SMTP.RejectAddress("gone@example.com", 550, "5.1.1 mailbox unavailable")
		m := s.AddMember(t, "gone", "gone@example.com", "", gatehouse.RoleMember)
		var evs []*gatehouse.AuditEvent
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if evs = s.Audit(t, gatehouse.EventMailFailed); len(evs) > 0 {
				break
			}
		}
		if len(evs) != 1 {
			t.Fatalf("%d mail.failed events, want 1", len(evs))
		}
		e := evs[0]
		if e.MemberID != m.ID || e.Details["kind"] != gatehouse.KindActivation || e.Details["channel"] != "email" {
			t.Errorf("event: %+v", e)
		}
		if e.Details["error"] == "" || e.Details["to"] != "gone@example.com" {
			t.Errorf("the event lacks the error or the address: %v", e.Details)
		}
	})
}
