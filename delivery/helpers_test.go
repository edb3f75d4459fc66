package delivery_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/delivery"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/sms"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

// waitLong bounds every wait for something that normally takes milliseconds;
// it only matters when a test is broken.
const waitLong = 30 * time.Second

// env is one outbox with its world: a store, a settable clock, an SMTP server
// and a Twilio look-alike.
type env struct {
	t      *testing.T
	store  *sqlstore.Store
	clock  *gatehousetest.Clock
	smtp   *gatehousetest.SMTPServer
	twilio *gatehousetest.TwilioServer
	mail   mail.Transport
	sms    sms.Transport
}

func newEnv(t *testing.T, s *sqlstore.Store) *env {
	e := &env{t: t, store: s, clock: gatehousetest.NewClock(), smtp: gatehousetest.NewSMTPServer(t), twilio: gatehousetest.NewTwilioServer(t)}
	var err error
	if e.mail, err = mail.Open(e.smtp.URL(), mail.Options{}); err != nil {
		t.Fatal(err)
	}
	if e.sms, err = sms.Open(e.twilio.URL(), sms.Options{}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) worker(id string) *delivery.Worker {
	return &delivery.Worker{
		Outbox: e.store,
		Mail:   e.mail,
		SMS:    e.sms,
		Now:    e.clock.Now,
		Rand:   rand.New(rand.NewPCG(1, uint64(len(id)))),
		ID:     id,
		Poll:   10 * time.Millisecond,
	}
}

// failures returns the audit events of the messages given up on, newest first.
func (e *env) failures() []*gatehouse.AuditEvent {
	e.t.Helper()
	evs, _, err := e.store.AuditEvents(context.Background(), gatehouse.DefaultOrgID,
		gatehouse.AuditFilter{Types: []gatehouse.EventType{gatehouse.EventMailFailed}, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// email queues a reset email to the address.
func (e *env) email(to string) *gatehouse.Message {
	e.t.Helper()
	id := gatehouse.NewID(nil)
	return e.enqueue(&gatehouse.Message{
		ID: id, Channel: gatehouse.ChannelEmail, Kind: gatehouse.KindReset, To: to,
		From: "noreply@example.org", FromName: "Example Org",
		Subject: "Reset your Example Org password",
		Text:    "Open https://gh.example.org/reset-password?token=" + id + " within 30 minutes.\n",
		HTML:    `<p><a href="https://gh.example.org/reset-password?token=` + id + `">Choose a new password</a></p>`,
	})
}

// text queues a sign-in code by SMS to the number.
func (e *env) text(to, code string) *gatehouse.Message {
	e.t.Helper()
	return e.enqueue(&gatehouse.Message{
		ID: gatehouse.NewID(nil), Channel: gatehouse.ChannelSMS, Kind: gatehouse.KindSMSCode, To: to,
		Text: code + " is your Example Org sign-in code. It expires in 10 minutes. Don't share it.",
	})
}

func (e *env) enqueue(m *gatehouse.Message) *gatehouse.Message {
	e.t.Helper()
	m.OrgID = gatehouse.DefaultOrgID
	m.CreatedAt = e.clock.Now()
	if err := e.store.Enqueue(context.Background(), m); err != nil {
		e.t.Fatalf("Enqueue: %v", err)
	}
	return m
}

// message reads the stored state of m.
func (e *env) message(m *gatehouse.Message) *gatehouse.Message {
	e.t.Helper()
	got, err := e.store.Message(context.Background(), m.OrgID, m.ID)
	if err != nil {
		e.t.Fatalf("Message: %v", err)
	}
	return got
}

// drain runs one Drain of w and checks how many messages it claimed.
func (e *env) drain(w *delivery.Worker, want int) {
	e.t.Helper()
	n, err := w.Drain(context.Background())
	if err != nil || n != want {
		e.t.Fatalf("Drain = %d, %v; want %d messages", n, err, want)
	}
}

// run starts w.Run and returns a function that stops it and waits for it.
func run(t *testing.T, w *delivery.Worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(waitLong):
				t.Errorf("Run did not return after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// wantStatus checks the stored status of m and returns the stored message.
func (e *env) wantStatus(m *gatehouse.Message, status gatehouse.MessageStatus, attempts int) *gatehouse.Message {
	e.t.Helper()
	got := e.message(m)
	if got.Status != status || got.Attempts != attempts {
		e.t.Fatalf("message %s: status %s after %d attempts (%s); want %s after %d", m.ID, got.Status, got.Attempts, got.LastError, status, attempts)
	}
	if status != gatehouse.MessageQueued && (got.Text != "" || got.HTML != "") {
		e.t.Errorf("message %s is %s but still holds its bodies", m.ID, status)
	}
	return got
}
