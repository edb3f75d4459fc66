package web

import "github.com/gatehouse-auth/gatehouse"

// messageKinds are the kinds of queued messages in words. A kind missing here
// (one a newer feature added) is shown as is.
var messageKinds = map[string]string{
	"activation":            "Activation link",
	"reset":                 "Password reset link",
	"code":                  "Sign-in code",
	"sms_code":              "Sign-in code",
	"mobile_code":           "Code to confirm a mobile number",
	"password_changed":      "Password changed notice",
	"security_notice":       "Security notice",
	"operator_activation":   "Service desk activation link",
	"owner_invitation":      "Invitation to be the first owner",
	"owner_recovery":        "Owner recovery link",
	"owner_recovery_notice": "Owner recovery notice",
	"email_change":          "Link to confirm a new email address",
	"email_change_in_use":   "Email address already in use",
}

// messageKind says what a message is ("Sign-in code"), in English the page
// translates; the template adds the channel (admin.kind.by_<channel>).
func messageKind(m *gatehouse.Message) string {
	k, ok := messageKinds[m.Kind]
	if !ok {
		k = m.Kind
	}
	return k
}

// resendable reports whether a failed message can be replaced by a new one
// from the admin area: a link to choose a password, sent anew as an
// activation link. Codes and notices belong to a moment that has passed.
func resendable(m *gatehouse.Message) bool {
	return m.Status == gatehouse.MessageFailed && m.MemberID != "" && (m.Kind == "activation" || m.Kind == "reset")
}

// messageTable is what the "messages" template renders.
type messageTable struct {
	Messages []*gatehouse.Message
	Names    map[string]string
	CSRF     string
}

func init() {
	funcs["messageTable"] = func(ms []*gatehouse.Message, names map[string]string, csrf string) messageTable {
		return messageTable{ms, names, csrf}
	}
	funcs["messageKind"] = messageKind
	funcs["resendable"] = resendable
}
