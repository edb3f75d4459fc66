package oidc

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// amr says how the member signed in to the session (RFC 8176 values): a
// password (pwd) or a passkey (hwk), and the second factor proven in this
// session, if any, then mfa. The audit log records both; a trusted browser
// proves no second factor.
func (p *Provider) amr(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member) string {
	evs, _, err := p.Members.AuditEvents(ctx, m.OrgID, gatehouse.AuditFilter{
		MemberID: m.ID, Types: []gatehouse.EventType{gatehouse.EventSignIn, gatehouse.EventCodeVerified}, Since: sess.CreatedAt, Limit: 10,
	})
	if err != nil {
		return "pwd"
	}
	return amrOf(evs)
}

// amrOf is amr from the session's sign-in and second-factor events, newest
// first. A passkey sign-in verifies the user on the authenticator, so it is
// two factors by itself (hwk, mfa).
func amrOf(evs []*gatehouse.AuditEvent) string {
	first, second := "pwd", ""
	for _, e := range evs {
		switch {
		case e.Type == gatehouse.EventSignIn && e.Details["method"] == "passkey":
			first = "hwk"
		case e.Type == gatehouse.EventCodeVerified && second == "":
			second = factorAMR(e.Details)
		}
	}
	out := []string{first}
	if second != "" && second != first {
		out = append(out, second)
	}
	if second != "" || first == "hwk" {
		out = append(out, "mfa")
	}
	return strings.Join(out, " ")
}

// factorAMR names a proven second factor as RFC 8176 does.
func factorAMR(d map[string]string) string {
	switch {
	case d["method"] == "app":
		return "otp"
	case d["method"] == "code" && d["channel"] == "sms":
		return "sms"
	case d["method"] == "code":
		return "otp"
	case d["method"] == "recovery":
		return "kba"
	case d["method"] == "passkey":
		return "hwk"
	case d["method"] == "setup":
		return "" // led to set a factor up: none proven yet
	}
	return d["method"]
}
