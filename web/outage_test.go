package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/gatehousetest/webtest"
	"github.com/gatehouse-auth/gatehouse/signin"
)

// auditDown is a sign-in transaction whose audit log cannot be written: the
// database went away in the middle of a use case, after its first writes.
type auditDown struct{ signin.Tx }

func (auditDown) AddAudit(context.Context, *gatehouse.AuditEvent) error {
	return &gatehouse.Error{Code: gatehouse.Unavailable, Op: "test.AddAudit", RetryAfter: 5, Message: "The service is temporarily unavailable."}
}

// auditDownTx runs the sign-in's transactions on auditDown.
type auditDownTx struct {
	gatehouse.Transactor[signin.Tx]
}

func (t auditDownTx) Tx(ctx context.Context, fn func(signin.Tx) error) error {
	return t.Transactor.Tx(ctx, func(tx signin.Tx) error { return fn(auditDown{tx}) })
}

// TestSignInInterrupted: a sign-in whose audit event cannot be written gets
// 503 with Retry-After, no cookie, and leaves no session behind.
func TestSignInInterrupted(t *testing.T) {
	webtest.Each(t, webtest.Options{}, func(t *testing.T, s *webtest.Server) {
		m := s.AddMember(t, "jdoe", "jane@example.com", goodPassword, gatehouse.RoleMember)
		b := s.Browser(t)
		b.Get("/login")
		healthy := s.SignIn.Tx
		s.SignIn.Tx = auditDownTx{healthy}
		r := b.Post("/login", url.Values{"identifier": {"jdoe"}, "password": {goodPassword}})
		s.SignIn.Tx = healthy
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
			t.Errorf("sign-in with the audit log down: %d, Retry-After %q; want 503 with Retry-After", r.Status, r.Header.Get("Retry-After"))
		}
		if c := b.Cookie("gatehouse_session"); c != "" {
			t.Errorf("the refused sign-in set a session cookie")
		}
		list, err := s.Store.MemberSessions(context.Background(), m.OrgID, m.ID, s.Clock.Now())
		if err != nil || len(list) != 0 {
			t.Errorf("sessions after the interrupted sign-in: %d, %v; want none", len(list), err)
		}
		b.SignIn("jdoe", goodPassword, "/account")
	})
}
