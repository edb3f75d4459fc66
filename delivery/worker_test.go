package delivery_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/delivery"
	"github.com/gatehouse-auth/gatehouse/gatehousetest"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
)

func TestDeliversEmail(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		w := e.worker("w1")
		w.Poll = time.Hour // only the first look and Kick find messages
		first := e.email("ada@example.com")
		stop := run(t, w)
		e.smtp.WaitFor(t, 1, waitLong)

		// Queued while the worker sleeps: Kick makes it look at once.
		second := e.email("bob@example.com")
		w.Kick()
		w.Kick() // coalesces, never blocks
		got := e.smtp.WaitFor(t, 2, waitLong)
		stop()

		r, ok := e.smtp.Last("bob@example.com")
		if !ok || len(got) != 2 {
			t.Fatalf("got %d messages", len(got))
		}
		if r.Header.Get("Message-Id") != "<"+second.ID+"@example.org>" {
			t.Errorf("Message-ID = %q, want one derived from the outbox id %s", r.Header.Get("Message-Id"), second.ID)
		}
		if from := r.Header.Get("From"); from != `"Example Org" <noreply@example.org>` || r.From != "noreply@example.org" {
			t.Errorf("From = %q, envelope %q", from, r.From)
		}
		if r.Subject != second.Subject || gatehousetest.LinkIn(r) != "https://gh.example.org/reset-password?token="+second.ID {
			t.Errorf("subject %q, link %q", r.Subject, gatehousetest.LinkIn(r))
		}
		if d, err := r.Header.Date(); err != nil || !d.Equal(second.CreatedAt) {
			t.Errorf("Date = %v, %v; want the time it was queued", d, err)
		}
		for _, m := range []*gatehouse.Message{first, second} {
			sent := e.wantStatus(m, gatehouse.MessageSent, 1)
			if !sent.SentAt.Equal(e.clock.Now()) || sent.LastError != "" {
				t.Errorf("sent at %v, error %q", sent.SentAt, sent.LastError)
			}
		}
	})
}

func TestMailServerDownThenUp(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		w := e.worker("w1")
		e.smtp.Stop()
		m := e.email("ada@example.com")

		e.drain(w, 1)
		got := e.wantStatus(m, gatehouse.MessageQueued, 1)
		if !strings.Contains(got.LastError, "connect") || mail.IsPermanent(nil) {
			t.Errorf("LastError = %q", got.LastError)
		}
		if d := got.NextAttemptAt.Sub(e.clock.Now()); d < 2500*time.Millisecond || d > 5*time.Second {
			t.Errorf("first retry in %v, want 2.5s to 5s", d)
		}
		e.drain(w, 0) // not due yet

		e.smtp.Start()
		e.clock.Set(got.NextAttemptAt)
		e.drain(w, 1)
		e.wantStatus(m, gatehouse.MessageSent, 2)
		if n := len(e.smtp.Messages()); n != 1 {
			t.Errorf("the server received %d messages, want 1", n)
		}
		e.drain(w, 0)
	})
}

func TestPermanentRefusal(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		w := e.worker("w1")
		e.smtp.RejectAddress("nobody@example.com", 550, "5.1.1 No such user")
		bad := e.email("nobody@example.com")
		good := e.email("ada@example.com")

		e.drain(w, 2)
		got := e.wantStatus(bad, gatehouse.MessageFailed, 1)
		if !strings.Contains(got.LastError, "550") || !strings.Contains(got.LastError, "No such user") {
			t.Errorf("LastError = %q", got.LastError)
		}
		e.wantStatus(good, gatehouse.MessageSent, 1)
		failed := e.failures()
		if len(failed) != 1 || failed[0].Details["message"] != bad.ID || failed[0].Details["error"] != got.LastError ||
			failed[0].Details["attempts"] != "1" || failed[0].Details["to"] != "nobody@example.com" || failed[0].ActorKind != gatehouse.ActorSystem {
			t.Errorf("the failure audited: %+v", failed)
		}
		for k, v := range failed[0].Details { // the bodies are gone
			if strings.Contains(v, "reset-password?token=") {
				t.Errorf("the audited failure holds a body in %s: %q", k, v)
			}
		}
		if n := len(e.smtp.Messages()); n != 1 {
			t.Errorf("the server received %d messages, want 1", n)
		}
		// Neither the link nor the body ends up in the recorded error.
		if strings.Contains(got.LastError, bad.ID) {
			t.Errorf("LastError holds the body: %q", got.LastError)
		}
	})
}

func TestRetriesWithBackoff(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		w := e.worker("w1")
		w.MaxAttempts = 4
		w.BackoffBase = 5 * time.Second
		w.BackoffMax = 12 * time.Second
		e.smtp.RejectWith(451, "4.7.1 Greylisted, try again later")
		m := e.email("ada@example.com")

		for attempt, step := range []time.Duration{5 * time.Second, 10 * time.Second, 12 * time.Second} {
			e.drain(w, 1)
			got := e.wantStatus(m, gatehouse.MessageQueued, attempt+1)
			if !strings.Contains(got.LastError, "451") {
				t.Errorf("LastError = %q", got.LastError)
			}
			if d := got.NextAttemptAt.Sub(e.clock.Now()); d < step/2 || d > step {
				t.Errorf("after attempt %d: retry in %v, want %v to %v", attempt+1, d, step/2, step)
			}
			e.clock.Set(got.NextAttemptAt.Add(-time.Microsecond))
			e.drain(w, 0)
			e.clock.Set(got.NextAttemptAt)
		}
		e.drain(w, 1)
		got := e.wantStatus(m, gatehouse.MessageFailed, 4)
		if !strings.HasPrefix(got.LastError, "gave up after 4 attempts") || !strings.Contains(got.LastError, "451") {
			t.Errorf("LastError = %q", got.LastError)
		}
		if f := e.failures(); len(f) != 1 {
			t.Errorf("%d failures audited", len(f))
		}
		if n := len(e.smtp.Messages()); n != 0 {
			t.Errorf("the server received %d messages", n)
		}
	})
}

func TestTwoWorkersSendEachMessageOnce(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		twoWorkers(t, s, s)
	})
}

// TestTwoReplicasSendEachMessageOnce gives each worker a store of its own on
// one database, as two server processes have.
func TestTwoReplicasSendEachMessageOnce(t *testing.T) {
	for _, db := range gatehousetest.DatabaseURLs(t) {
		t.Run(db.Name, func(t *testing.T) {
			twoWorkers(t, gatehousetest.NewStore(t, db.URL), gatehousetest.NewStore(t, db.URL))
		})
	}
}

func twoWorkers(t *testing.T, a, b *sqlstore.Store) {
	e := newEnv(t, a)
	const n = 200
	ids := map[string]bool{}
	for i := 0; i < n; i++ {
		ids["<"+e.email("member@example.com").ID+"@example.org>"] = true
	}
	var stops []func()
	for i, s := range []*sqlstore.Store{a, b} {
		w := e.worker([]string{"replica-a", "replica-b"}[i])
		w.Outbox = s
		w.Batch = 7
		w.Poll = 5 * time.Millisecond
		stops = append(stops, run(t, w))
	}
	e.smtp.WaitFor(t, n, waitLong)
	for _, stop := range stops {
		stop()
	}
	seen := map[string]int{}
	for _, r := range e.smtp.Messages() {
		seen[r.Header.Get("Message-Id")]++
	}
	if len(e.smtp.Messages()) != n || len(seen) != n {
		t.Fatalf("the server received %d messages with %d distinct ids, want %d", len(e.smtp.Messages()), len(seen), n)
	}
	for id, count := range seen {
		if !ids[id] || count != 1 {
			t.Errorf("%s received %d times", id, count)
		}
	}
	ms, _, err := a.Messages(context.Background(), gatehouse.DefaultOrgID, gatehouse.MessageFilter{Status: gatehouse.MessageQueued})
	if err != nil || len(ms) != 0 {
		t.Fatalf("%d messages still queued (%v)", len(ms), err)
	}
}

// cancelling cancels the worker's context when the first message is being
// sent, as a process that is told to stop mid-batch.
type cancelling struct {
	mail.Transport
	cancel context.CancelFunc
	once   sync.Once
}

func (c *cancelling) Send(ctx context.Context, m *mail.Envelope) error {
	c.once.Do(c.cancel)
	return c.Transport.Send(ctx, m)
}

// TestStoppedWorkerGivesBackItsClaims stops a worker in the middle of its
// batch: it finishes the sends in flight (one per lane at most) and gives back
// the rest of its claims
// at once, untried and uncounted, so that another worker sends them without
// waiting for the lease to run out.
func TestStoppedWorkerGivesBackItsClaims(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		var ms []*gatehouse.Message
		for i := 0; i < 5; i++ {
			ms = append(ms, e.email("member@example.com"))
		}
		ctx, cancel := context.WithCancel(context.Background())
		a := e.worker("replica-a")
		a.Lanes = 2
		a.Mail = &cancelling{Transport: e.mail, cancel: cancel}
		if err := a.Run(ctx); err != nil {
			t.Fatal(err)
		}
		sent := map[string]bool{}
		for _, m := range ms {
			got := e.message(m)
			switch {
			case got.Status == gatehouse.MessageSent:
				sent[m.ID] = true
			case got.Status != gatehouse.MessageQueued || got.ClaimedBy != "" || got.Attempts != 0 || got.LapsedClaims != 0:
				t.Errorf("%s is %s, claimed by %q, %d attempts, %d lapsed claims; want queued, free and uncounted",
					m.ID, got.Status, got.ClaimedBy, got.Attempts, got.LapsedClaims)
			}
		}
		const lanes = 2
		if len(sent) < 1 || len(sent) > lanes || len(e.smtp.Messages()) != len(sent) {
			t.Fatalf("%d messages sent, the server received %d; want those in flight, 1 to %d", len(sent), len(e.smtp.Messages()), lanes)
		}

		b := e.worker("replica-b")
		e.drain(b, len(ms)-len(sent)) // at once: no lease to wait for
		for _, m := range ms {
			e.wantStatus(m, gatehouse.MessageSent, 1)
		}
		if n := len(e.smtp.Messages()); n != 5 {
			t.Errorf("the server received %d messages, want 5", n)
		}
	})
}

// TestDeadWorkerIsTakenOver leaves claims to run out, as a worker that was
// killed does: once the lease has passed another worker sends the messages,
// and the lapsed claim is counted apart from the attempts.
func TestDeadWorkerIsTakenOver(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		m := e.email("ada@example.com")
		if got, err := s.ClaimMessages(context.Background(), "dead", e.clock.Now(), 2*time.Minute, 10); err != nil || len(got) != 1 {
			t.Fatalf("ClaimMessages = %d, %v", len(got), err)
		}
		b := e.worker("replica-b")
		e.drain(b, 0) // the lease still holds
		e.clock.Advance(2 * time.Minute)
		e.drain(b, 1)
		if got := e.wantStatus(m, gatehouse.MessageSent, 1); got.LapsedClaims != 1 {
			t.Errorf("%d lapsed claims, want the dead worker's one", got.LapsedClaims)
		}
	})
}

func TestWorkersThatKeepDyingRunOutOfAttempts(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		w := e.worker("w1")
		w.MaxAttempts = 3
		m := e.email("ada@example.com")
		for i := 0; i < 3; i++ { // claimed by workers that die before reporting
			if got, err := s.ClaimMessages(context.Background(), "doomed", e.clock.Now(), time.Minute, 10); err != nil || len(got) != 1 {
				t.Fatalf("ClaimMessages = %d, %v", len(got), err)
			}
			e.clock.Advance(time.Minute)
		}
		e.drain(w, 1)
		got := e.wantStatus(m, gatehouse.MessageFailed, 0)
		if !strings.HasPrefix(got.LastError, "gave up: 3 claims on it ran out without a report") || got.LapsedClaims != 3 {
			t.Errorf("LastError = %q after %d lapsed claims", got.LastError, got.LapsedClaims)
		}
		if n := e.smtp.Connections(); n != 0 {
			t.Errorf("the server saw %d connections", n)
		}
	})
}

func TestSMSThroughTwilio(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		w := e.worker("w1")
		ok := e.text("+447911123456", "493817")
		e.twilio.RejectNumber("+447911000000")
		invalid := e.text("+447911000000", "111111")

		e.drain(w, 2)
		got := e.twilio.Messages()
		if len(got) != 1 || got[0].To != "+447911123456" || gatehousetest.CodeIn(got[0].Body) != "493817" || got[0].From != gatehousetest.TwilioFrom {
			t.Fatalf("Twilio received %+v", got)
		}
		e.wantStatus(ok, gatehouse.MessageSent, 1)
		failed := e.wantStatus(invalid, gatehouse.MessageFailed, 1)
		if !strings.Contains(failed.LastError, "21211") || strings.Contains(failed.LastError, "111111") {
			t.Errorf("LastError = %q", failed.LastError)
		}

		e.twilio.FailWith(503)
		later := e.text("+447911123456", "222222")
		e.drain(w, 1)
		e.wantStatus(later, gatehouse.MessageQueued, 1)
		e.twilio.Accept()
		e.clock.Advance(5 * time.Second)
		e.drain(w, 1)
		e.wantStatus(later, gatehouse.MessageSent, 2)
	})
}

func TestUndeliverableMessages(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		w := e.worker("w1")
		fax := e.enqueue(&gatehouse.Message{ID: gatehouse.NewID(nil), Channel: "fax", To: "+447911123456", Text: "x"})
		badAddr := e.email("not an address")
		e.drain(w, 2)
		if got := e.wantStatus(fax, gatehouse.MessageFailed, 0); !strings.Contains(got.LastError, "unknown channel") { // never tried
			t.Errorf("LastError = %q", got.LastError)
		}
		if got := e.wantStatus(badAddr, gatehouse.MessageFailed, 1); !strings.Contains(got.LastError, "invalid address") {
			t.Errorf("LastError = %q", got.LastError)
		}
	})
}

func TestBadSenderIsRetried(t *testing.T) {
	gatehousetest.EachStore(t, func(t *testing.T, s *sqlstore.Store) {
		e := newEnv(t, s)
		w := e.worker("w1")
		m := e.enqueue(&gatehouse.Message{ID: gatehouse.NewID(nil), Channel: gatehouse.ChannelEmail, Kind: gatehouse.KindReset,
			To: "ada@example.com", From: "not-an-address", FromName: "Org", Subject: "Reset", Text: "x"})
		e.drain(w, 1)
		// Not an attempt: nothing was sent, and the message waits for the
		// setting to be fixed without running out of attempts meanwhile.
		got := e.wantStatus(m, gatehouse.MessageQueued, 0)
		if !strings.Contains(got.LastError, "sender address") {
			t.Errorf("LastError = %q", got.LastError)
		}
		if got.NextAttemptAt.Sub(e.clock.Now()) != time.Minute || !got.LastAttemptAt.IsZero() {
			t.Errorf("next look at %v, last attempt %v; want in a minute, and none", got.NextAttemptAt, got.LastAttemptAt)
		}
		if n := e.smtp.Connections(); n != 0 {
			t.Errorf("the server saw %d connections", n)
		}
	})
}

func TestWorkerConfiguration(t *testing.T) {
	ctx := context.Background()
	if err := (&delivery.Worker{}).Run(ctx); err == nil {
		t.Error("Run without an outbox succeeded")
	}
	if _, err := (&delivery.Worker{}).Drain(ctx); err == nil {
		t.Error("Drain without an outbox succeeded")
	}
}
