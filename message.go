package gatehouse

import "time"

// Channel is how a queued message travels.
type Channel string

// Channels.
const (
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
)

// MessageStatus is where a queued message stands.
type MessageStatus string

// Message statuses. A message is queued until a sender delivers it (sent) or gives
// up after the last retry or on a permanent refusal (failed).
const (
	MessageQueued MessageStatus = "queued"
	MessageSent   MessageStatus = "sent"
	MessageFailed MessageStatus = "failed"
)

// Message is an outgoing email or text in the durable queue (the outbox). It is
// written in the same transaction as the change that causes it, so it is never lost
// and never sent for a change that did not happen.
type Message struct {
	ID       string
	OrgID    string
	MemberID string // "" when not about a member
	Channel  Channel
	Kind     string // template name: "reset", "activation", "password_changed", "code", ...
	To       string // email address or E.164 number
	// From and FromName are the sender of an email, from the organization's
	// settings when it was queued (S31): the sender needs nothing else.
	From     string
	FromName string
	Subject  string
	// Text and HTML are the bodies (HTML is empty for SMS). They may hold a one-time
	// link or a code, so the store keeps them only until the message is sent or
	// has failed; a failed notice (IsNoticeKind), which holds neither, keeps
	// them until an administrator sends it again or it ages out.
	Text   string
	HTML   string
	Status MessageStatus
	// Attempts counts the sends that were made and whose outcome was recorded:
	// a claim on the message is not an attempt, and neither is a failure of
	// the sender's own before it could try (no transport, no valid sender).
	Attempts      int
	LastError     string
	CreatedAt     time.Time
	NextAttemptAt time.Time
	SentAt        time.Time
	// LastAttemptAt is when the latest counted attempt ended (zero before any).
	LastAttemptAt time.Time
	ClaimedBy     string
	ClaimedUntil  time.Time
	// LapsedClaims counts the claims on the message that ran out without a
	// report: workers that died, or were killed, while they held it.
	LapsedClaims int
}

// MessageFilter selects messages for administrators. Zero fields do not filter.
type MessageFilter struct {
	MemberID string
	Status   MessageStatus
	Channel  Channel
	Cursor   string
	Limit    int
}

// noticeKinds are the kinds of message that hold no secret, neither a link
// nor a code: they tell a member what happened. Only these can be sent again
// as they were (admin.Service.ResendMessage); a failed link is replaced by a
// new link instead, and a code belongs to a sign-in that has passed.
var noticeKinds = []string{KindEmailChangeInUse, KindOwnerRecoveryNotice, KindPasswordChanged, KindSecurityNotice}

// NoticeKinds returns the kinds of message that hold no secret.
func NoticeKinds() []string { return append([]string(nil), noticeKinds...) }

// IsNoticeKind reports whether messages of kind hold no secret.
func IsNoticeKind(kind string) bool {
	for _, k := range noticeKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Resendable reports whether m is a failed notice, which an administrator may
// send again once the cause (a mail server, a sender address) is fixed.
func (m *Message) Resendable() bool { return m.Status == MessageFailed && IsNoticeKind(m.Kind) }
