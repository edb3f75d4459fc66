// Package delivery drains the outbox: it claims queued messages from the
// database, sends email through a mail.Transport and texts through an
// sms.Transport, and records the outcome, retrying temporary failures with
// exponential backoff.
//
// Several workers, in one process or in many replicas, may share one outbox:
// the store leases each message to one worker at a time, and a message whose
// worker died is taken over once its lease runs out.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/sms"
)

// Outbox is what a Worker needs from storage: the queue, whose messages carry
// everything their sending needs (the sender address among it), and the audit
// log, where the worker records the messages it gives up on (S30), so that
// administrators see delivery problems beside the member's other events.
// Package sqlstore implements it (and MarkSentMany, which records a round's
// sends in one write).
type Outbox interface {
	// ClaimMessages, ReleaseMessages, MarkSent, MarkRetry and MarkFailed are
	// documented on gatehouse.Outbox.
	ClaimMessages(ctx context.Context, worker string, now time.Time, lease time.Duration, n int) ([]*gatehouse.Message, error)
	ReleaseMessages(ctx context.Context, worker string, ids []string) error
	MarkSent(ctx context.Context, id, worker string, at time.Time) error
	MarkRetry(ctx context.Context, id, worker string, tried bool, lastErr string, at, next time.Time) error
	MarkFailed(ctx context.Context, id, worker string, tried bool, lastErr string, at time.Time) error
	AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error
}

// Worker sends the messages of an outbox. Set its fields, then call Run; the
// zero values of the tuning fields mean the defaults given. A Worker must not be
// copied after first use, and Run must not be called twice at once.
type Worker struct {
	Outbox Outbox
	Mail   mail.Transport   // required to send email
	SMS    sms.Transport    // required to send texts
	Log    *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now
	Rand   *rand.Rand       // spreads retries; default: the global source
	// ID names this worker in the claims it makes; it must be unique among the
	// workers sharing the outbox. Default: host name, process id and random
	// digits, set on first use.
	ID string

	// Lease is how long a claim lasts; default 2m. One send may take a quarter
	// of it, and none starts in its second half, so a message is never still
	// being sent when another worker may claim it.
	Lease time.Duration
	// Lanes is how many messages are sent at once; default 4. Each lane is
	// an SMTP connection (kept by the mail transport) or an SMS request.
	Lanes int
	// Batch is the most messages claimed at once; default, and never more than,
	// as many as the lanes can send in one lease if every send takes its whole
	// time: two per lane.
	Batch       int
	Poll        time.Duration // how often to look for due messages; default 1s
	MaxAttempts int           // sends that failed before giving up; default 12
	BackoffBase time.Duration // delay after the first failed send; default 5s
	BackoffMax  time.Duration // longest delay between sends; default 1h
	// MessageIDDomain is the right-hand side of Message-IDs; default: the
	// domain of the sender's address.
	MessageIDDomain string

	once sync.Once
	kick chan struct{}
}

// settings are a Worker's tuning with the defaults applied.
type settings struct {
	lease, send, poll, base, max time.Duration
	batch, maxAttempts, lanes    int
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.kick = make(chan struct{}, 1)
		if w.ID == "" {
			host, _ := os.Hostname()
			w.ID = fmt.Sprintf("%s-%d-%06x", host, os.Getpid(), rand.Uint32()&0xffffff)
		}
	})
}

func (w *Worker) settings() settings {
	s := settings{lease: w.Lease, poll: w.Poll, base: w.BackoffBase, max: w.BackoffMax, batch: w.Batch, maxAttempts: w.MaxAttempts, lanes: w.Lanes}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&s.lease, 2*time.Minute)
	def(&s.poll, time.Second)
	def(&s.base, 5*time.Second)
	def(&s.max, time.Hour)
	s.send = s.lease / 4
	// Sends start only in the first half of the lease and each may take its
	// whole time when the server stalls: claim no more than that can try, so
	// that no claim runs out unused while its message waits behind stalled sends.
	if s.lanes <= 0 {
		s.lanes = 4
	}
	perLease := max(1, int((s.lease/2)/s.send)) * s.lanes
	if s.batch <= 0 || s.batch > perLease {
		s.batch = perLease
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = 12
	}
	return s
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (w *Worker) check() error {
	switch {
	case w.Outbox == nil:
		return errors.New("delivery: Worker.Outbox is not set")
	}
	return nil
}

// Kick wakes the worker to look for due messages at once, for use right after
// a message has been queued. It never blocks, and kicks that come while the
// worker is busy coalesce into one more look.
func (w *Worker) Kick() {
	w.init()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run sends due messages until ctx ends, looking for new ones every Poll and
// whenever Kick is called. When ctx ends it finishes the message it is sending,
// records the outcome, gives back its claims on the rest of its batch and
// returns nil.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.check(); err != nil {
		return err
	}
	w.init()
	s := w.settings()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		full := false
		n, err := w.drainOnce(ctx, s)
		if err != nil {
			w.log().Error("delivery: claiming messages", "worker", w.ID, "err", err)
		} else {
			full = n == s.batch
		}
		if ctx.Err() != nil {
			return nil
		}
		if full {
			continue // more may be waiting
		}
		timer.Reset(s.poll)
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-timer.C:
		}
	}
}

// Drain handles every message due now, batch after batch, and returns how many
// it claimed. It is Run without the waiting, for tests and for a command that
// flushes the queue.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	if err := w.check(); err != nil {
		return 0, err
	}
	w.init()
	s := w.settings()
	total := 0
	for ctx.Err() == nil {
		n, err := w.drainOnce(ctx, s)
		total += n
		if err != nil || n < s.batch {
			return total, err
		}
	}
	return total, nil
}

// drainOnce claims one batch and sends its messages, Lanes at a time. The
// messages no lane gets to (ctx ended, or the lease ran low because sends or
// recording outcomes were slow) are given back at once, so that they wait
// neither for the lease to run out nor behind a lapsed claim. The sends that
// succeeded are recorded together once the lanes are done (see round).
func (w *Worker) drainOnce(ctx context.Context, s settings) (int, error) {
	now := w.now()
	ms, err := w.Outbox.ClaimMessages(ctx, w.ID, now, s.lease, s.batch)
	if err != nil {
		return 0, err
	}
	r := &round{w: w}
	var (
		mu       sync.Mutex
		next     int
		released []*gatehouse.Message
		why      string
	)
	// take returns the next message a lane may start, or nil.
	take := func() *gatehouse.Message {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(ms) {
			return nil
		}
		m := ms[next]
		until := m.ClaimedUntil
		if until.IsZero() {
			until = now.Add(s.lease)
		}
		// A send may take up to a quarter of the lease; starting one with
		// less than half the lease left could let another worker claim the
		// message while it is still being sent, and send it twice.
		switch {
		case ctx.Err() != nil:
			why = "stopping"
		case w.now().After(until.Add(-s.lease / 2)):
			why = "lease running out"
		default:
			next++
			return m
		}
		released = append(released, ms[next:]...)
		next = len(ms)
		return nil
	}
	var wg sync.WaitGroup
	for range min(s.lanes, len(ms)) {
		wg.Go(func() {
			for m := take(); m != nil; m = take() {
				w.handle(ctx, s, m, r)
			}
		})
	}
	wg.Wait()
	r.record(ctx)
	if len(released) > 0 {
		w.release(ctx, released, why)
	}
	return len(ms), nil
}

// batchOutbox is an outbox that records many sends in one write.
type batchOutbox interface {
	MarkSentMany(ctx context.Context, worker string, ids []string, at time.Time) (int, error)
}

// round is what the lanes of one batch share: the sends made, to record in
// one write. Recording them together keeps at least once: a worker that dies
// before recording sends them again after the lease, as it would had it died
// between a send and its own record.
type round struct {
	w    *Worker
	mu   sync.Mutex
	sent []*gatehouse.Message
	logs []*slog.Logger
}

// sentOne notes a send made; it reports false when the outbox records each
// send by itself, which the caller then does.
func (r *round) sentOne(m *gatehouse.Message, log *slog.Logger) bool {
	if _, ok := r.w.Outbox.(batchOutbox); !ok {
		return false
	}
	r.mu.Lock()
	r.sent = append(r.sent, m)
	r.logs = append(r.logs, log)
	r.mu.Unlock()
	return true
}

// record records the sends made, in one write.
func (r *round) record(ctx context.Context) {
	if len(r.sent) == 0 {
		return
	}
	b := r.w.Outbox.(batchOutbox)
	ids := make([]string, len(r.sent))
	for i, m := range r.sent {
		ids[i] = m.ID
	}
	at := r.w.now()
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	n, err := b.MarkSentMany(c, r.w.ID, ids, at)
	if err != nil {
		r.w.log().Error("delivery: recording the outcome", "outcome", "sent", "count", len(ids), "worker", r.w.ID, "err", err)
		return
	}
	if n < len(ids) {
		r.w.log().Warn("delivery: some claims were lost before the outcome was recorded", "outcome", "sent",
			"count", len(ids)-n, "worker", r.w.ID)
	}
	for _, l := range r.logs {
		l.Info("delivery: message sent")
	}
}

// release gives back the claims on ms, untried. Should that fail, the claims
// run out by themselves after the lease.
func (w *Worker) release(ctx context.Context, ms []*gatehouse.Message, why string) {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.Outbox.ReleaseMessages(c, w.ID, ids); err != nil {
		w.log().Warn("delivery: giving back unsent claims", "worker", w.ID, "count", len(ids), "why", why, "err", err)
		return
	}
	w.log().Info("delivery: gave back unsent claims", "worker", w.ID, "count", len(ids), "why", why)
}
