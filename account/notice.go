package account

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// Security notices: the email a member gets when their email address, mobile
// number, authenticator app or recovery codes change (see gatehouse.Change).
// Every use case that makes such a change calls NotifyChanges in the
// transaction of the change, so the notice exists exactly when the change does.

// NotifyChanges queues one security notice about changes to m (as it is after
// them) through tx, made by actor from c. It goes to the member's contact
// address and to every address in also (addresses the change took away), each
// once. No changes, no notice.
func (s *Service) NotifyChanges(ctx context.Context, tx StepStore, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client, changes []gatehouse.Change, also ...string) error {
	const op = "account.NotifyChanges"
	// An account that never had a password was never in anyone's hands: an
	// administrator correcting a mistyped address there must not write to it.
	if len(changes) == 0 || m.PasswordHash == "" {
		return nil
	}
	stored, err := tx.Settings(ctx, m.OrgID)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	set := gatehouse.LoadSettings(stored)
	d := gatehouse.MessageData{
		At: s.now(), IP: c.IP, UserAgent: c.UserAgent, Changes: changes, By: changedBy(actor, m),
		SupportURL: s.linkVia(ctx, tx, m.OrgID, "/forgot-password", nil), AccountURL: s.linkVia(ctx, tx, m.OrgID, "/account", nil),
	}
	var sent []string
	for _, to := range append([]string{m.ContactEmail()}, also...) {
		if to == "" || containsFold(sent, to) {
			continue
		}
		sent = append(sent, to)
		if err := s.QueueEmailTo(ctx, tx, &set, m, to, gatehouse.KindSecurityNotice, d); err != nil {
			return err
		}
	}
	return nil
}

// changedBy says who made a change to m, for the notice: "" when m did.
func changedBy(actor gatehouse.Actor, m *gatehouse.Member) string {
	switch {
	case actor.Kind == gatehouse.ActorMember && actor.ID == m.ID:
		return ""
	case actor.Kind == gatehouse.ActorAPIKey:
		return gatehouse.ByAPI
	}
	return gatehouse.ByAdministrator
}

// EmailChanges returns the changes of the email addresses from before to
// after, and the addresses that must hear of them besides the contact address:
// the old values, and the old contact address when the mail moves elsewhere.
// Addresses that differ only in case reach the same mailbox: they are no
// change here.
func EmailChanges(before, after *gatehouse.Member) (changes []gatehouse.Change, tell []string) {
	for _, f := range []struct {
		what     string
		old, new string
	}{{gatehouse.ChangeEmail, before.Email, after.Email}, {gatehouse.ChangeWorkEmail, before.WorkEmail, after.WorkEmail}} {
		if strings.EqualFold(f.old, f.new) {
			continue
		}
		changes = append(changes, gatehouse.Change{What: f.what, Old: maskEmail(f.old), New: maskEmail(f.new)})
		tell = append(tell, f.old)
	}
	if len(changes) > 0 {
		tell = append(tell, before.ContactEmail())
	}
	return changes, tell
}

// MobileChange returns the change of the mobile number, if any.
func MobileChange(before, after string) []gatehouse.Change {
	if before == after {
		return nil
	}
	return []gatehouse.Change{{What: gatehouse.ChangeMobile, Old: maskPhone(before), New: maskPhone(after)}}
}

func maskEmail(a string) string {
	if a == "" {
		return ""
	}
	return gatehouse.MaskEmail(a)
}

func maskPhone(n string) string {
	if n == "" {
		return ""
	}
	return gatehouse.MaskPhone(n)
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
