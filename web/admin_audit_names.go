package web

import (
	"html/template"
	"sort"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// eventNames are the audit event types in words, for the log's table and its
// type picker. A type missing here (one a newer feature added) is shown as is.
var eventNames = map[gatehouse.EventType]string{
	"signin.success": "Signed in", "signin.failure": "Sign-in failed", "signin.throttled": "Sign-in throttled",
	"signout": "Signed out", "session.ended": "Session ended", "sessions.revoked": "All sessions ended",
	"password.changed": "Password changed", "password.refused": "New password refused", "password.rehashed": "Password hash upgraded",
	"admin.password_set": "Password set by an administrator", "settings.changed": "Setting changed",
	"member.created": "Member created", "member.updated": "Member changed", "member.deleted": "Member deleted", "member.disabled": "Member disabled",
	"setup.completed": "First owner created", "reset.requested": "Password reset requested", "reset.refused": "Password reset refused",
	"reset.completed": "Password reset completed", "activation.sent": "Activation link sent", "activation.completed": "Account activated",
	"mail.failed": "Email or text not delivered", "support_pin.set": "Support PIN set", "support_pin.checked": "Support PIN checked",
	"apikey.created": "API key created", "apikey.revoked": "API key revoked", "api.call": "API call",
	"second_factor.code_sent": "Sign-in code sent", "second_factor.verified": "Second step passed", "second_factor.failed": "Second step failed",
	"second_factor.enrolled": "Second factor added", "second_factor.removed": "Second factor removed",
	"second_factor.recovery_code_used": "Recovery code used", "device.trusted": "Browser trusted", "device.revoked": "Browser no longer trusted",
	"mobile.changed": "Mobile number changed", "mobile.verified": "Mobile number verified", "captcha.failed": "CAPTCHA failed", "request.throttled": "Request throttled",
	"link.throttled": "Link attempts throttled", "request.refused": "Request refused", "throttle.lifted": "Sign-in throttle lifted",
	"passkey.added": "Passkey added", "passkey.renamed": "Passkey renamed", "passkey.removed": "Passkey removed",
	"passkey.refused": "Passkey refused", "passkey.clone_suspected": "Passkey possibly copied",
	"organization.created": "Organization created", "organization.updated": "Organization changed",
	"organization.suspended": "Organization suspended", "organization.resumed": "Organization resumed",
	"owner_recovery.sent": "Owner recovery sent", "owner_recovery.refused": "Owner recovery refused",
	"email.change_requested": "Email change requested", "email.changed": "Email address changed",
	"email.change_refused": "Email change refused", "email.change_cancelled": "Email change called off",
	"preferences.changed": "Language or time zone chosen",
	"brand.logo_changed":  "Logo changed", "brand.text_changed": "Text override changed",
}

// eventName is an event type in words.
func eventName(t gatehouse.EventType) string {
	if n, ok := eventNames[t]; ok {
		return n
	}
	return string(t)
}

// eventChoice is one option of the event type picker.
type eventChoice struct {
	Type gatehouse.EventType
	Name string
}

// eventChoices lists every named event type, by name.
func eventChoices() []eventChoice {
	c := make([]eventChoice, 0, len(eventNames))
	for t, n := range eventNames {
		c = append(c, eventChoice{t, n})
	}
	sort.Slice(c, func(i, j int) bool { return c[i].Name < c[j].Name })
	return c
}

// localTime renders t as a <time> element, in the page's language and time
// zone (the member's own, else the organization's; see localTimes), with the
// instant in its datetime attribute for programs.
func localTime(t time.Time) template.HTML {
	if t.IsZero() {
		return template.HTML(timeMarker('w', t)) //nolint:gosec // a marker of digits only
	}
	return template.HTML(`<time datetime="` + t.UTC().Format(time.RFC3339) + `">` + timeMarker('w', t) + `</time>`) //nolint:gosec // built from a formatted time only
}

// eventTable is what the "events" template renders.
type eventTable struct {
	Events []*gatehouse.AuditEvent
	Names  map[string]string
}

func init() {
	funcs["eventName"] = eventName
	funcs["localTime"] = localTime
	funcs["eventTable"] = func(evs []*gatehouse.AuditEvent, names map[string]string) eventTable { return eventTable{evs, names} }
}
