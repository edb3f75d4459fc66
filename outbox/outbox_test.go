package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/outbox"
)

// queue is an in-memory outbox.Queue.
type queue []*gatehouse.Message

func (q *queue) Enqueue(ctx context.Context, m *gatehouse.Message) error {
	*q = append(*q, m)
	return nil
}

type waker int

func (w *waker) Kick() { *w++ }

func TestEmailCarriesItsSender(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var w waker
	o := &outbox.Outbox{Composer: &mail.Templates{}, Waker: &w, Now: func() time.Time { return now }}
	set := gatehouse.DefaultSettings()
	set.OrganizationName, set.MailFromAddress = "Example Org", "recovery@example.org"
	var q queue
	m, err := o.Email(context.Background(), &q, &set, outbox.Email{OrgID: "o1", MemberID: "m1", To: "ada@example.com",
		Kind: gatehouse.KindReset, Data: gatehouse.MessageData{Link: "https://login.example.org/reset-password?token=x", ValidFor: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0] != m {
		t.Fatalf("queued %v", q)
	}
	if m.From != "recovery@example.org" || m.FromName != "Example Org" || m.To != "ada@example.com" || m.OrgID != "o1" ||
		m.Status != gatehouse.MessageQueued || !m.CreatedAt.Equal(now) || !m.NextAttemptAt.Equal(now) || m.ID == "" {
		t.Errorf("message %+v", m)
	}
	if !strings.Contains(m.Subject, "Example Org") || !strings.Contains(m.Text, "reset-password?token=x") {
		t.Errorf("rendered %q / %q", m.Subject, m.Text)
	}
	if w != 0 {
		t.Error("queueing woke the sender before the commit")
	}
	o.Wake()
	if w != 1 {
		t.Errorf("Wake kicked %d times", w)
	}
	set.MailFromName = "Account Desk"
	txt, err := o.Text(context.Background(), &q, &set, outbox.Text{ID: "fixed", OrgID: "o1", To: "+447700900123",
		Kind: gatehouse.KindSMSCode, Data: gatehouse.MessageData{Code: "123456", ValidFor: time.Minute}})
	if err != nil || txt.ID != "fixed" || txt.Channel != gatehouse.ChannelSMS || !strings.Contains(txt.Text, "123456") || txt.From != "" {
		t.Errorf("text %+v, %v", txt, err)
	}
	if _, err := o.Email(context.Background(), &q, &set, outbox.Email{To: "ada@example.com", Kind: gatehouse.KindReset}); err == nil {
		t.Error("an email without an organization was queued")
	}
	(&outbox.Outbox{}).Wake() // no sender: nothing to wake, no panic
}
