package gatehouse

import (
	"context"
	"io"
	"time"
)

// EventType names a kind of audit event. The names are stable: operators filter
// and alert on them.
type EventType string

// Audit event types.
const (
	EventSignIn           EventType = "signin.success"
	EventSignInFailed     EventType = "signin.failure"
	EventSignInThrottled  EventType = "signin.throttled"
	EventSignOut          EventType = "signout"
	EventSessionEnded     EventType = "session.ended"
	EventPasswordChanged  EventType = "password.changed"
	EventPasswordRefused  EventType = "password.refused"
	EventPasswordRehashed EventType = "password.rehashed"
	EventSettingsChanged  EventType = "settings.changed"
	EventMemberCreated    EventType = "member.created"
	EventMemberUpdated    EventType = "member.updated"
	EventMemberDeleted    EventType = "member.deleted"
	// EventMemberDisabled follows the member.updated event of a change that
	// disabled the account, so that a webhook can subscribe to exactly that.
	EventMemberDisabled    EventType = "member.disabled"
	EventSetupCompleted    EventType = "setup.completed"
	EventResetRequested    EventType = "reset.requested"
	EventResetRefused      EventType = "reset.refused"
	EventResetCompleted    EventType = "reset.completed"
	EventActivationSent    EventType = "activation.sent"
	EventActivated         EventType = "activation.completed"
	EventMailFailed        EventType = "mail.failed"
	EventAdminPasswordSet  EventType = "admin.password_set"
	EventSessionsRevoked   EventType = "sessions.revoked"
	EventSupportPINSet     EventType = "support_pin.set"
	EventSupportPINChecked EventType = "support_pin.checked"
	EventAPIKeyCreated     EventType = "apikey.created"
	EventAPIKeyRevoked     EventType = "apikey.revoked"
	EventAPICall           EventType = "api.call"
	EventCodeSent          EventType = "second_factor.code_sent"
	EventCodeVerified      EventType = "second_factor.verified"
	EventCodeFailed        EventType = "second_factor.failed"
	EventDeviceTrusted     EventType = "device.trusted"
	EventDeviceRevoked     EventType = "device.revoked"
	EventMethodEnrolled    EventType = "second_factor.enrolled"
	EventMethodRemoved     EventType = "second_factor.removed"
	EventRecoveryCodeUsed  EventType = "second_factor.recovery_code_used"
	EventMobileChanged     EventType = "mobile.changed"
	EventMobileVerified    EventType = "mobile.verified"
	EventCaptchaFailed     EventType = "captcha.failed"
	EventRequestThrottled  EventType = "request.throttled"
	EventLinkThrottled     EventType = "link.throttled"
	EventRequestRefused    EventType = "request.refused"
	EventThrottleLifted    EventType = "throttle.lifted"
	// Passkeys (package passkey, docs/passkeys.md).
	EventPasskeyAdded          EventType = "passkey.added"
	EventPasskeyRenamed        EventType = "passkey.renamed"
	EventPasskeyRemoved        EventType = "passkey.removed"
	EventPasskeyRefused        EventType = "passkey.refused"
	EventPasskeyCloneSuspected EventType = "passkey.clone_suspected"
	EventWebhookCreated        EventType = "webhook.created"
	EventWebhookRotated        EventType = "webhook.secret_rotated"
	EventWebhookDeleted        EventType = "webhook.deleted"
	EventWebhookDisabled       EventType = "webhook.disabled"
	// A member's own change of an email address (package profile): asked
	// for, confirmed from the new address, refused at confirmation, or
	// called off.
	EventEmailChangeRequested EventType = "email.change_requested"
	EventEmailChanged         EventType = "email.changed"
	EventEmailChangeRefused   EventType = "email.change_refused"
	EventEmailChangeCancelled EventType = "email.change_cancelled"
	// A member's own language and time zone (package prefs).
	EventPreferencesChanged EventType = "preferences.changed"
	// An organization's logo uploaded or removed, and its own wording of a
	// message set or removed (package brand).
	EventLogoChanged EventType = "brand.logo_changed"
	EventTextChanged EventType = "brand.text_changed"
)

// AuditEvent records a security event. Details holds event-specific facts (never
// secrets), for example the old and new value of a changed setting.
type AuditEvent struct {
	ID        string
	OrgID     string
	At        time.Time
	Type      EventType
	ActorKind ActorKind
	ActorID   string
	ActorName string
	MemberID  string // the member the event is about, if any
	IP        string
	UserAgent string
	// RequestID is the correlation id of the request that caused the event,
	// which its log lines and its X-Request-Id response header carry too; ""
	// when no request did.
	RequestID string
	Details   map[string]string
}

// AuditFilter selects audit events. Zero fields do not filter.
type AuditFilter struct {
	MemberID string // the member the events are about
	ActorID  string // who acted: a member's id, an API key's id
	Types    []EventType
	Since    time.Time
	Until    time.Time
	Cursor   string // from a previous page
	Limit    int
}

// AuditWriter writes audit events: a store, or a transaction of one.
type AuditWriter interface {
	AddAudit(ctx context.Context, e *AuditEvent) error
}

// WriteAudit gives e an id (from r) and its time (now) when it has none, and
// writes it through st. Every event names its organization.
func WriteAudit(ctx context.Context, st AuditWriter, e *AuditEvent, now time.Time, r io.Reader) error {
	const op = "gatehouse.WriteAudit"
	if e.ID == "" {
		e.ID = NewID(r)
	}
	if e.At.IsZero() {
		e.At = now
	}
	if err := RequireOrg(op, e.OrgID); err != nil {
		return err
	}
	if err := st.AddAudit(ctx, e); err != nil {
		return Wrap(op, err)
	}
	return nil
}
