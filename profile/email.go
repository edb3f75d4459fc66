package profile

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/outbox"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// ErrLinkInvalid is the answer for a confirmation link that is unknown, used,
// superseded, called off or expired: all look the same to the visitor.
var ErrLinkInvalid = &gatehouse.Error{Code: gatehouse.NotFound, Op: "profile.link",
	Message: "This link has expired or has already been used."}

// Email fields a member may change.
const (
	FieldEmail     = "email"
	FieldWorkEmail = "work_email"
)

// FieldNewEmail is the form field of the new address.
const FieldNewEmail = "new_email"

// EmailRequest is a member's request to change one of their email addresses.
type EmailRequest struct {
	Field    string // FieldEmail or FieldWorkEmail
	NewEmail string
	Password string // the current password
	Client   gatehouse.Client
}

// RequestEmailChange checks the request and the current password, and sends
// a link that confirms the change to the new address, superseding any change
// the member asked for before. Nothing changes until the link is used.
//
// When another member of the organization uses the new address, the address
// is told so instead of being sent a link, and the answer to the requester is
// the same as when a link was sent: the requester learns nothing about other
// accounts. Both ways store a pending change, queue one email and write one
// event. At most five requests an hour per member: each one emails an
// address the member chooses.
func (s *Service) RequestEmailChange(ctx context.Context, m *gatehouse.Member, req EmailRequest) error {
	const op = "profile.RequestEmailChange"
	newEmail := strings.TrimSpace(req.NewEmail)
	var errs []gatehouse.FieldError
	if req.Field != FieldEmail && req.Field != FieldWorkEmail {
		errs = append(errs, gatehouse.FieldError{Field: "field", Code: "invalid", Message: "Choose which address to change."})
	}
	if fe := gatehouse.ValidateEmail(FieldNewEmail, newEmail, true); fe != nil {
		errs = append(errs, *fe)
	} else if strings.EqualFold(newEmail, current(m, req.Field)) {
		errs = append(errs, gatehouse.FieldError{Field: FieldNewEmail, Code: "unchanged", Message: "This is already your address."})
	}
	if len(errs) > 0 {
		return gatehouse.InvalidFields(op, errs...)
	}
	if err := s.Passwords.Reauthenticate(ctx, m, req.Password, req.Client); err != nil {
		return err
	}
	now := s.now()
	cnt, err := s.Counters.Incr(ctx, "email_change:"+m.ID, now, emailChangeWindow, false)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	if cnt.Count > emailChangesPerHour {
		wait := cnt.First.Add(emailChangeWindow).Sub(now)
		return &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: gatehouse.RetrySeconds(wait),
			Message: "You have asked for too many address changes. Wait " + gatehouse.HumanWait(wait) + " and try again."}
	}
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	set, err := s.settings(ctx, s.Store, m.OrgID)
	if err != nil {
		return err
	}
	err = s.Tx.Tx(ctx, func(tx Store) error {
		cur, err := s.lockActive(ctx, tx, op, m)
		if err != nil {
			return err
		}
		inUse, err := usedByAnother(ctx, tx, cur, newEmail)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		if _, err := tx.CancelEmailChanges(ctx, m.OrgID, m.ID, now); err != nil {
			return gatehouse.Wrap(op, err)
		}
		c := &EmailChange{Hash: hash, OrgID: m.OrgID, MemberID: m.ID, Field: req.Field, NewEmail: newEmail,
			OldEmail: current(cur, req.Field), InUse: inUse, CreatedAt: now, ExpiresAt: now.Add(EmailChangeTTL)}
		if err := tx.CreateEmailChange(ctx, c); err != nil {
			return gatehouse.Wrap(op, err)
		}
		// Neither the member's name, username nor address: the new address
		// is not known to be theirs yet, and may be a stranger's typed by
		// mistake.
		d := gatehouse.MessageData{ValidFor: EmailChangeTTL, At: now}
		kind := gatehouse.KindEmailChange
		if inUse {
			kind = gatehouse.KindEmailChangeInUse
		} else {
			d.Link = s.Links.LinkIn(ctx, m.OrgID, "/account/email/confirm", url.Values{"token": {raw}})
		}
		if _, err := s.Outbox.Email(ctx, tx, &set, outbox.Email{OrgID: m.OrgID, MemberID: m.ID, To: newEmail, Kind: kind, Data: d}); err != nil {
			return gatehouse.Wrap(op, err)
		}
		details := map[string]string{"field": req.Field, "new": newEmail, "valid_for": gatehouse.FormatDuration(EmailChangeTTL)}
		if inUse {
			details["address_in_use"] = "true"
		}
		return s.audit(ctx, tx, gatehouse.NewEvent(gatehouse.EventEmailChangeRequested, m.OrgID, gatehouse.MemberActor(m), m.ID, req.Client, details))
	})
	if err != nil {
		return err
	}
	s.Outbox.Wake()
	return nil
}

// current returns the member's address in field.
func current(m *gatehouse.Member, field string) string {
	if field == FieldWorkEmail {
		return m.WorkEmail
	}
	return m.Email
}

// usedByAnother reports whether a member of m's organization other than m
// has addr as an email address or as the username.
func usedByAnother(ctx context.Context, st Store, m *gatehouse.Member, addr string) (bool, error) {
	ms, err := st.MembersByIdentifier(ctx, m.OrgID, addr, 3)
	if err != nil {
		return false, err
	}
	for _, o := range ms {
		if o.ID != m.ID {
			return true, nil
		}
	}
	return false, nil
}

// Pending is a change waiting for its link to be opened, as the member sees
// it: whether a link went or the address was told it is in use is not said.
type Pending struct {
	Field     string
	NewEmail  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// PendingEmailChange returns the member's change waiting for its link to be
// opened, or nil.
func (s *Service) PendingEmailChange(ctx context.Context, m *gatehouse.Member) (*Pending, error) {
	c, err := s.Store.PendingEmailChange(ctx, m.OrgID, m.ID, s.now())
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, gatehouse.Wrap("profile.PendingEmailChange", err)
	}
	return &Pending{Field: c.Field, NewEmail: c.NewEmail, CreatedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt}, nil
}

// CancelEmailChange calls off the member's pending change: its link stops
// working. Audited when there was one.
func (s *Service) CancelEmailChange(ctx context.Context, m *gatehouse.Member, c gatehouse.Client) error {
	const op = "profile.CancelEmailChange"
	return s.Tx.Tx(ctx, func(tx Store) error {
		n, err := tx.CancelEmailChanges(ctx, m.OrgID, m.ID, s.now())
		if err != nil || n == 0 {
			return gatehouse.Wrap(op, err)
		}
		return s.audit(ctx, tx, gatehouse.NewEvent(gatehouse.EventEmailChangeCancelled, m.OrgID, gatehouse.MemberActor(m), m.ID, c, map[string]string{}))
	})
}

// EmailLink is what the confirmation page shows of a link that can be used:
// not whose account it is, which the holder of the link may not know.
type EmailLink struct {
	Field    string
	NewEmail string
}

// CheckEmailLink tells whether the link raw, opened in the organization
// orgID, can confirm a change, without using it: the page asks for a click
// first, so that a mail scanner that follows links changes nothing.
func (s *Service) CheckEmailLink(ctx context.Context, orgID, raw string) (*EmailLink, error) {
	c, err := s.usable(ctx, orgID, raw)
	if err != nil {
		return nil, err
	}
	return &EmailLink{Field: c.Field, NewEmail: c.NewEmail}, nil
}

// usable returns the change of a link that can still be used in orgID.
func (s *Service) usable(ctx context.Context, orgID, raw string) (*EmailChange, error) {
	if !secret.ValidToken(raw) {
		return nil, ErrLinkInvalid
	}
	c, err := s.Store.EmailChange(ctx, secret.HashToken(raw))
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, gatehouse.Wrap("profile.usable", err)
	}
	if c.OrgID != orgID || c.InUse || !c.UsedAt.IsZero() || !s.now().Before(c.ExpiresAt) {
		return nil, ErrLinkInvalid
	}
	return c, nil
}

// ConfirmEmailChange uses the link raw, once, and makes the change it
// confirms. The change is refused, and the link used up, when the address it
// replaces has changed since, when another member has come to use the new
// address, or when the account is no longer active. The old and the new
// address are told; reset links sent to the old address stop working.
func (s *Service) ConfirmEmailChange(ctx context.Context, orgID, raw string, cl gatehouse.Client) error {
	const op = "profile.ConfirmEmailChange"
	c, err := s.usable(ctx, orgID, raw)
	if err != nil {
		return err
	}
	set, err := s.settings(ctx, s.Store, orgID)
	if err != nil {
		return err
	}
	var refused error
	err = s.Tx.Tx(ctx, func(tx Store) error {
		// The member's row first, then the change's: the order of locks of
		// every write to a member (docs/architecture.md).
		m, err := tx.LockMember(ctx, orgID, c.MemberID)
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			return ErrLinkInvalid
		}
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		now := s.now()
		if _, err := tx.UseEmailChange(ctx, c.Hash, now); gatehouse.IsCode(err, gatehouse.NotFound) {
			return ErrLinkInvalid
		} else if err != nil {
			return gatehouse.Wrap(op, err)
		}
		actor := gatehouse.MemberActor(m)
		reason := ""
		inUse, err := usedByAnother(ctx, tx, m, c.NewEmail)
		switch {
		case err != nil:
			return gatehouse.Wrap(op, err)
		case m.EffectiveState(now) != gatehouse.StateActive:
			reason, refused = "account_not_active", gatehouse.Errorf(gatehouse.Conflict, op, "The account is not active: the address was not changed.")
		case !strings.EqualFold(current(m, c.Field), c.OldEmail):
			reason, refused = "changed_meanwhile", gatehouse.Errorf(gatehouse.Conflict, op, "The address was changed in another way since this link was sent: nothing was changed. Ask for a new link if you still want this one.")
		case inUse:
			reason, refused = "address_in_use", gatehouse.Errorf(gatehouse.Conflict, op, "Another account uses this address now: it was not added to this one.")
		}
		if refused != nil {
			return s.audit(ctx, tx, gatehouse.NewEvent(gatehouse.EventEmailChangeRefused, orgID, actor, m.ID, cl,
				map[string]string{"field": c.Field, "new": c.NewEmail, "reason": reason}))
		}
		before := *m
		// The link proved that the new address reaches the member (the
		// OpenID Connect claim email_verified).
		ch := gatehouse.MemberChange{VerifiedEmail: &c.NewEmail, UpdatedAt: now}
		if c.Field == FieldWorkEmail {
			ch.WorkEmail = &c.NewEmail
		} else {
			ch.Email = &c.NewEmail
		}
		if err := tx.ChangeMember(ctx, orgID, m.ID, ch); err != nil {
			return gatehouse.Wrap(op, err)
		}
		ch.Apply(m)
		// Links to choose a password went to the address that is gone.
		if _, err := tx.RevokeTokens(ctx, orgID, m.ID, gatehouse.PurposeReset, now); err != nil {
			return gatehouse.Wrap(op, err)
		}
		if _, err := tx.CancelEmailChanges(ctx, orgID, m.ID, now); err != nil {
			return gatehouse.Wrap(op, err)
		}
		if err := s.audit(ctx, tx, gatehouse.NewEvent(gatehouse.EventEmailChanged, orgID, actor, m.ID, cl,
			map[string]string{"field": c.Field, "old": c.OldEmail, "new": c.NewEmail, "via": "self"})); err != nil {
			return err
		}
		return s.notify(ctx, tx, &set, &before, m, c, cl)
	})
	if err != nil {
		return err
	}
	if refused != nil {
		return refused
	}
	s.Outbox.Wake()
	return nil
}

// notify queues the security notice of a confirmed change to the member's
// contact address after it, and to the address replaced and the contact
// address before it, each once: whoever held the account's mail before hears
// that it moved.
func (s *Service) notify(ctx context.Context, tx Store, set *gatehouse.Settings, before, after *gatehouse.Member, c *EmailChange, cl gatehouse.Client) error {
	change := gatehouse.Change{What: c.Field, New: gatehouse.MaskEmail(c.NewEmail)}
	if c.OldEmail != "" {
		change.Old = gatehouse.MaskEmail(c.OldEmail)
	}
	d := gatehouse.MessageData{MemberName: after.Name(), Username: after.Username, At: s.now(), IP: cl.IP, UserAgent: cl.UserAgent,
		Changes:    []gatehouse.Change{change},
		SupportURL: s.Links.LinkIn(ctx, after.OrgID, "/forgot-password", nil), AccountURL: s.Links.LinkIn(ctx, after.OrgID, "/account", nil)}
	var sent []string
	for _, to := range []string{after.ContactEmail(), c.OldEmail, before.ContactEmail()} {
		if to == "" || containsFold(sent, to) {
			continue
		}
		sent = append(sent, to)
		if _, err := s.Outbox.Email(ctx, tx, set, outbox.Email{OrgID: after.OrgID, MemberID: after.ID, To: to, Kind: gatehouse.KindSecurityNotice, Data: d}); err != nil {
			return gatehouse.Wrap("profile.notify", err)
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
