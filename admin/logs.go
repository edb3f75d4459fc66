package admin

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
)

// AuditEvents returns a page of the organization's audit log for an
// administrator, newest first, and the cursor of the next page.
func (s *Service) AuditEvents(ctx context.Context, actor gatehouse.Actor, orgID string, f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, string, error) {
	const op = "admin.AuditEvents"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, "", err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return nil, "", gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "until", Code: "invalid_range", Message: "The end of the time range must come after its start."})
	}
	evs, next, err := s.Store.AuditEvents(ctx, orgID, f)
	if gatehouse.IsCode(err, gatehouse.Invalid) {
		return nil, "", badCursor(op)
	}
	return evs, next, gatehouse.Wrap(op, err)
}

// Messages returns a page of the organization's outgoing email and SMS with
// their delivery status (S30), newest first, and the cursor of the next page.
func (s *Service) Messages(ctx context.Context, actor gatehouse.Actor, orgID string, f gatehouse.MessageFilter) ([]*gatehouse.Message, string, error) {
	const op = "admin.Messages"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return nil, "", err
	}
	var errs []gatehouse.FieldError
	switch f.Status {
	case "", gatehouse.MessageQueued, gatehouse.MessageSent, gatehouse.MessageFailed:
	default:
		errs = append(errs, gatehouse.FieldError{Field: "status", Code: "invalid", Message: "The status must be queued, sent or failed."})
	}
	switch f.Channel {
	case "", gatehouse.ChannelEmail, gatehouse.ChannelSMS:
	default:
		errs = append(errs, gatehouse.FieldError{Field: "channel", Code: "invalid", Message: "The channel must be email or sms."})
	}
	if len(errs) > 0 {
		return nil, "", gatehouse.InvalidFields(op, errs...)
	}
	ms, next, err := s.Store.Messages(ctx, orgID, f)
	if gatehouse.IsCode(err, gatehouse.Invalid) {
		return nil, "", badCursor(op)
	}
	return ms, next, gatehouse.Wrap(op, err)
}

func badCursor(op string) error {
	return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "cursor", Code: "invalid", Message: "The cursor is not valid; start from the first page."})
}
