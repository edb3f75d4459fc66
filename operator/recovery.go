package operator

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// Owner recovery (seed 004): a sole owner who is locked out calls the service
// desk. The operator types the support PIN the caller says; only after a match
// may the operator send that owner a recovery link, which goes to the address
// on record and is never shown to the operator. The other owners and the
// administrators are told; both the organization's audit log and the operator
// log record it; nothing about the owner changes until the link is used.

// The throttle of PIN checks is the one the organization's administrators are
// under (package account): five wrong PINs for one member in an hour, counted
// on the same counter, so that the desk and the administrators together get
// five guesses, not ten.
const (
	pinFreeFailures = 5
	pinWindow       = time.Hour
	// grantWindow is how long a matched PIN lets the operator send the link.
	grantWindow = 15 * time.Minute
)

func pinKey(orgID, memberID string) string { return "pin:member:" + orgID + ":" + memberID }

func grantKey(operatorID, orgID, memberID string) string {
	return "pin:grant:" + operatorID + ":" + orgID + ":" + memberID
}

// PINResult is the outcome of a PIN check.
type PINResult string

// Outcomes of CheckPIN.
const (
	PINMatch    PINResult = "match"
	PINMismatch PINResult = "mismatch"
	PINNotSet   PINResult = "not_set"
)

// ownerOf returns the organization and the owner memberID of it, NotFound for
// a member who is not there or not an owner (who are helped by their own
// organization's administrators, not the desk).
func (s *Service) ownerOf(ctx context.Context, op, orgID, memberID string) (*gatehouse.Organization, *gatehouse.Member, error) {
	o, err := s.Desk.Organization(ctx, orgID)
	if err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	m, err := s.Desk.Member(ctx, orgID, memberID)
	if err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	if m.Role != gatehouse.RoleOwner {
		return nil, nil, gatehouse.Errorf(gatehouse.NotFound, op, "The service desk helps owners only; this member's administrators help them.")
	}
	return o, m, nil
}

// CheckPIN checks the support PIN a caller says on the telephone against the
// owner's. Every check is in both logs, whatever its outcome.
func (s *Service) CheckPIN(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, memberID, pin string) (PINResult, error) {
	const op = "operator.CheckPIN"
	if actor.Kind != gatehouse.ActorOperator {
		return "", gatehouse.Errorf(gatehouse.Forbidden, op, "Only an operator checks a PIN.")
	}
	_, m, err := s.ownerOf(ctx, op, orgID, memberID)
	if err != nil {
		return "", err
	}
	record := func(result string) error {
		ev := &gatehouse.AuditEvent{ID: gatehouse.NewID(s.rand()), OrgID: orgID, At: s.now(), Type: gatehouse.EventSupportPINChecked,
			ActorKind: actor.Kind, ActorID: actor.ID, ActorName: actor.Name, MemberID: m.ID, IP: c.IP, UserAgent: c.UserAgent,
			RequestID: c.RequestID, Details: map[string]string{"result": result, "by": "service desk"}}
		return gatehouse.Wrap(op, s.Desk.RecordPINCheck(ctx, ev, s.entry(actor, c, ActionPINChecked, orgID, m.ID, "", "", result)))
	}
	now := s.now()
	cnt, err := s.Counters.Peek(ctx, pinKey(orgID, m.ID), now)
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	if cnt.Count >= pinFreeFailures {
		if err := record("throttled"); err != nil {
			return "", err
		}
		wait := cnt.First.Add(pinWindow).Sub(now)
		return "", &gatehouse.Error{Code: gatehouse.Throttled, Op: op, RetryAfter: int(wait/time.Second) + 1,
			Message: "Too many wrong PINs for this owner in the last hour. Wait before checking again, and be wary of this caller."}
	}
	if !gatehouse.WellFormedSupportPIN(strings.TrimSpace(pin)) {
		if err := record("malformed"); err != nil {
			return "", err
		}
		return "", gatehouse.InvalidFields(op, gatehouse.FieldError{Field: "pin", Code: "invalid", Message: "A support PIN has 6 to 8 digits."})
	}
	if m.SupportPINHash == "" {
		return PINNotSet, record(string(PINNotSet))
	}
	ok, _, err := s.Hasher.Verify(ctx, strings.TrimSpace(pin), m.SupportPINHash)
	if err != nil && gatehouse.IsCode(err, gatehouse.Unavailable) {
		return "", err
	}
	if !ok {
		if _, err := s.Counters.Incr(ctx, pinKey(orgID, m.ID), now, pinWindow, false); err != nil {
			return "", gatehouse.Wrap(op, err)
		}
		return PINMismatch, record(string(PINMismatch))
	}
	if _, err := s.Counters.Incr(ctx, grantKey(actor.ID, orgID, m.ID), now, grantWindow, false); err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	return PINMatch, record(string(PINMatch))
}

// RecoveryRequest is an operator sending an owner a recovery link.
type RecoveryRequest struct {
	OrgID    string
	MemberID string
	Reason   string // why, in the operator's words (required)
	Ticket   string // the service desk's ticket reference (required)
	Client   gatehouse.Client
}

// SendRecovery emails the owner a one-time link to choose a new password, on
// their organization's host, to the address on record, after the same
// operator matched the owner's PIN within the last 15 minutes. The link is
// never returned. The other owners and the administrators are told.
func (s *Service) SendRecovery(ctx context.Context, actor gatehouse.Actor, req RecoveryRequest) error {
	const op = "operator.SendRecovery"
	if actor.Kind != gatehouse.ActorOperator {
		return gatehouse.Errorf(gatehouse.Forbidden, op, "Only an operator sends a recovery link.")
	}
	req.Reason, req.Ticket = strings.TrimSpace(req.Reason), strings.TrimSpace(req.Ticket)
	var errs []gatehouse.FieldError
	if req.Reason == "" || len(req.Reason) > 500 {
		errs = append(errs, gatehouse.FieldError{Field: FieldReason, Code: "required", Message: "Say why (up to 500 characters)."})
	}
	if req.Ticket == "" || len(req.Ticket) > 100 {
		errs = append(errs, gatehouse.FieldError{Field: FieldTicket, Code: "required", Message: "Give the ticket reference (up to 100 characters)."})
	}
	if len(errs) > 0 {
		return gatehouse.InvalidFields(op, errs...)
	}
	o, m, err := s.ownerOf(ctx, op, req.OrgID, req.MemberID)
	if err != nil {
		return err
	}
	now := s.now()
	grant, err := s.Counters.Peek(ctx, grantKey(actor.ID, o.ID, m.ID), now)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	if grant.Count == 0 {
		return gatehouse.Errorf(gatehouse.Forbidden, op, "Check the caller's support PIN first: a recovery link goes only after a match.")
	}
	switch {
	case m.EffectiveState(now) == gatehouse.StateDisabled, m.EffectiveState(now) == gatehouse.StateExpired:
		return gatehouse.Errorf(gatehouse.Conflict, op, "The owner's account is disabled or expired; the organization's other owners can change that.")
	case m.ContactEmail() == "":
		return gatehouse.Errorf(gatehouse.Conflict, op, "The owner has no email address on record, so no link can be sent.")
	}
	stored, err := s.Desk.Settings(ctx, o.ID)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	set := gatehouse.LoadSettings(stored)
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	ttl := set.ActivationLinkTTL
	link := org.Link(s.PublicURL, o, "/activate", url.Values{"token": {raw}})
	msg, err := s.email(o, &set, m, m.ContactEmail(), gatehouse.KindOwnerRecovery, gatehouse.MessageData{
		MemberName: m.Name(), Username: m.Username, Link: link, ValidFor: ttl, At: now, IP: req.Client.IP})
	if err != nil {
		return err
	}
	rec := Recovery{
		Token:    &gatehouse.Token{Hash: hash, OrgID: o.ID, MemberID: m.ID, Purpose: gatehouse.PurposeActivation, CreatedAt: now, ExpiresAt: now.Add(ttl), SentTo: m.ContactEmail()},
		Messages: []*gatehouse.Message{msg},
		Event: &gatehouse.AuditEvent{ID: gatehouse.NewID(s.rand()), OrgID: o.ID, At: now, Type: gatehouse.EventOwnerRecoverySent,
			ActorKind: actor.Kind, ActorID: actor.ID, ActorName: actor.Name, MemberID: m.ID, IP: req.Client.IP,
			UserAgent: req.Client.UserAgent, RequestID: req.Client.RequestID,
			Details: map[string]string{"reason": req.Reason, "ticket": req.Ticket, "valid_for": gatehouse.FormatDuration(ttl)}},
		Entry: s.entry(actor, req.Client, ActionRecoverySent, o.ID, m.ID, req.Reason, req.Ticket, "sent to the address on record"),
	}
	others, err := s.colleagues(ctx, op, o.ID, m.ID)
	if err != nil {
		return err
	}
	for _, other := range others {
		n, err := s.email(o, &set, other, other.ContactEmail(), gatehouse.KindOwnerRecoveryNotice, gatehouse.MessageData{
			MemberName: other.Name(), Username: m.Username, At: now, IP: req.Client.IP})
		if err != nil {
			return err
		}
		rec.Messages = append(rec.Messages, n)
	}
	if err := s.Desk.RecordOwnerRecovery(ctx, rec); err != nil {
		return gatehouse.Wrap(op, err)
	}
	// The match was good for one link.
	return gatehouse.Wrap(op, s.Counters.Reset(ctx, grantKey(actor.ID, o.ID, m.ID)))
}

// colleagues returns the organization's active owners and administrators
// other than the member, who hear of a recovery.
func (s *Service) colleagues(ctx context.Context, op, orgID, memberID string) ([]*gatehouse.Member, error) {
	var out []*gatehouse.Member
	for _, role := range []gatehouse.Role{gatehouse.RoleOwner, gatehouse.RoleAdministrator} {
		cursor := ""
		for {
			ms, next, err := s.Desk.ListMembers(ctx, orgID, gatehouse.MemberFilter{Role: role, State: gatehouse.StateActive, Cursor: cursor, Limit: 200})
			if err != nil {
				return nil, gatehouse.Wrap(op, err)
			}
			for _, m := range ms {
				if m.ID != memberID && m.ContactEmail() != "" {
					out = append(out, m)
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return out, nil
}

// email renders a message of the organization to a member.
func (s *Service) email(o *gatehouse.Organization, set *gatehouse.Settings, m *gatehouse.Member, to, kind string, d gatehouse.MessageData) (*gatehouse.Message, error) {
	d.OrgName = set.OrganizationName
	subject, text, html, err := s.Composer.Email(kind, d)
	if err != nil {
		return nil, gatehouse.Wrap("operator.email", err)
	}
	now := s.now()
	// The organization's sender, as for every email of its own.
	return &gatehouse.Message{ID: gatehouse.NewID(s.rand()), OrgID: o.ID, MemberID: m.ID, Channel: gatehouse.ChannelEmail, Kind: kind,
		To: to, Subject: subject, Text: text, HTML: html, Status: gatehouse.MessageQueued, CreatedAt: now, NextAttemptAt: now,
		From: set.MailFromAddress, FromName: set.SenderName()}, nil
}
