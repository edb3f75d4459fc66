package account

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
)

// DeliveryFailed records in the audit log that a message was given up on (a bad
// address, a bounce, a provider refusing a number), so that administrators see
// delivery problems beside the member's other events (S30). The delivery worker
// calls it; the message bodies are already gone.
func (s *Service) DeliveryFailed(ctx context.Context, m *gatehouse.Message) {
	err := s.audit(ctx, s.Store, event(gatehouse.EventMailFailed, m.OrgID, gatehouse.SystemActor(m.OrgID), m.MemberID, gatehouse.Client{},
		map[string]string{"message": m.ID, "channel": string(m.Channel), "kind": m.Kind, "to": m.To,
			"attempts": itoa(m.Attempts), "error": truncate(m.LastError, 300)}))
	if err != nil {
		s.log().WarnContext(ctx, "auditing a failed delivery", "message", m.ID, "err", err)
	}
}

// Sender returns the From address and name of the organization's emails (S31),
// for the delivery worker.
func (s *Service) Sender(ctx context.Context, orgID string) (address, name string, err error) {
	set, err := s.Settings(ctx, orgID)
	if err != nil {
		return "", "", err
	}
	return set.MailFromAddress, set.SenderName(), nil
}
