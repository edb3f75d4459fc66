package admin

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse"
)

// ResendTx is what sending a failed notice again writes through, in one
// transaction: the failed notice taken (its bodies erased, so it is sent
// again once), its copy queued, and the audit event.
type ResendTx interface {
	TakeFailedNotice(ctx context.Context, orgID, id string) (*gatehouse.Message, error)
	Enqueue(ctx context.Context, m *gatehouse.Message) error
	gatehouse.AuditWriter
}

// ResendMessage queues again, as it was, a notice of orgID that failed (a
// password-changed or security notice: gatehouse.IsNoticeKind), once the
// cause is fixed: a mail server that was down, a sender address it refused.
// The copy goes to the same recipient, from the organization's sender as it
// is now, and the failed one cannot be sent again a second time. Links and
// codes are never sent again (a failed link is replaced by a new one, see
// SendActivation; a code belongs to a sign-in that has passed): Conflict.
// NotFound for a message that is not the organization's. It returns the new
// message.
func (s *Service) ResendMessage(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (*gatehouse.Message, error) {
	const op = "admin.ResendMessage"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	if s.Resends == nil {
		return nil, gatehouse.Wrap(op, errors.New("admin: Resends is not wired"))
	}
	var sent *gatehouse.Message
	err := s.Resends.Tx(ctx, func(tx ResendTx) error {
		old, err := tx.TakeFailedNotice(ctx, orgID, id)
		if err != nil {
			return err
		}
		now := s.now()
		m := &gatehouse.Message{
			ID: gatehouse.NewID(s.rand()), OrgID: orgID, MemberID: old.MemberID, Channel: old.Channel, Kind: old.Kind,
			To: old.To, Subject: old.Subject, Text: old.Text, HTML: old.HTML, CreatedAt: now,
			// From is left empty: the organization's sender as it is now,
			// which may be what was fixed.
		}
		if err := tx.Enqueue(ctx, m); err != nil {
			return err
		}
		sent = m
		return s.audit(ctx, tx, event(gatehouse.EventMessageResent, orgID, actor, old.MemberID, c,
			map[string]string{"message": old.ID, "new_message": m.ID, "kind": old.Kind, "channel": string(old.Channel)}))
	})
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	s.kick()
	return sent, nil
}
