package account_test

import (
	"context"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
)

// TestQueuedEmailsCarryTheSender checks that an email is queued with the
// sender of the organization's settings, and that changing the sender (or the
// organization name it defaults to) gives it to the emails still waiting, as
// the worker, which reads nothing but the message, must send them with it.
func TestQueuedEmailsCarryTheSender(t *testing.T) {
	webtest.Each(t, webtest.Options{NoWorker: true, Settings: map[string]string{"organization_name": "Example Org"}}, func(t *testing.T, s *webtest.Server) {
		ctx := context.Background()
		m := s.AddMember(t, "newbie", "newbie@example.com", "", gatehouse.RoleMember) // queues an activation email
		queued := func() *gatehouse.Message {
			t.Helper()
			ms, _, err := s.Store.Messages(ctx, gatehouse.DefaultOrgID, gatehouse.MessageFilter{MemberID: m.ID})
			if err != nil || len(ms) != 1 {
				t.Fatalf("messages: %v, %v", ms, err)
			}
			return ms[0]
		}
		if got := queued(); got.From != "gatehouse@localhost" || got.FromName != "Example Org" {
			t.Errorf("queued from %q <%s>, want the defaults of the settings", got.FromName, got.From)
		}
		for _, tc := range []struct {
			settings   map[string]string
			from, name string
		}{
			{map[string]string{"mail_from_address": "recovery@example.org"}, "recovery@example.org", "Example Org"},
			{map[string]string{"organization_name": "Renamed Org"}, "recovery@example.org", "Renamed Org"},
			{map[string]string{"mail_from_name": "Account Desk"}, "recovery@example.org", "Account Desk"},
		} {
			if _, err := s.Admin.UpdateSettings(ctx, gatehouse.SystemActor(gatehouse.DefaultOrgID), gatehouse.Client{}, gatehouse.DefaultOrgID, tc.settings); err != nil {
				t.Fatal(err)
			}
			if got := queued(); got.From != tc.from || got.FromName != tc.name {
				t.Errorf("after %v: queued from %q <%s>, want %q <%s>", tc.settings, got.FromName, got.From, tc.name, tc.from)
			}
		}
	})
}
