package gatehouse

import (
	"strings"
	"unicode/utf8"
)

// NewEvent builds an audit event of type t by actor about member (""
// when about none) in the organization orgID, from client c. Text that came
// from a client (a typed identifier, a user agent) is made storable first;
// ID and At are left for the use case to fill.
func NewEvent(t EventType, orgID string, actor Actor, memberID string, c Client, details map[string]string) *AuditEvent {
	for k, v := range details {
		details[k] = Storable(v)
	}
	return &AuditEvent{
		OrgID: orgID, Type: t, ActorKind: actor.Kind, ActorID: actor.ID, ActorName: Storable(actor.Name),
		MemberID: memberID, IP: c.IP, UserAgent: Storable(Truncate(c.UserAgent, 256)), RequestID: Storable(Truncate(c.RequestID, 64)),
		Details: details,
	}
}

// Storable returns s as text every database accepts: valid UTF-8 without NUL
// (PostgreSQL refuses both), replacing what is not with U+FFFD.
func Storable(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// Truncate cuts s to at most n bytes, on a rune boundary so that the result
// stays valid UTF-8.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
