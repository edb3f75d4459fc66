package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/mail"
	"github.com/gatehouse-auth/gatehouse/sms"
)

// permanentError marks failures of the worker itself that no retry can mend,
// such as a message on an unknown channel.
type permanentError struct{ error }

func isPermanent(err error) bool {
	var p permanentError
	return mail.IsPermanent(err) || sms.IsPermanent(err) || errors.As(err, &p)
}

// handle sends one claimed message and records the outcome.
func (w *Worker) handle(ctx context.Context, s settings, m *gatehouse.Message, senders map[string]mail.Address) {
	log := w.log().With("message", m.ID, "org", m.OrgID, "kind", m.Kind, "channel", string(m.Channel), "attempt", m.Attempts, "worker", w.ID)
	// Attempts counts claims. A message claimed more often than allowed has seen
	// its workers die before they could report, perhaps because of the message
	// itself: stop trying it.
	if m.Attempts > s.maxAttempts {
		w.fail(ctx, log, m, fmt.Sprintf("gave up after %d attempts: %s", m.Attempts-1, orUnknown(m.LastError)))
		return
	}
	// The send finishes even when ctx ends meanwhile (Run's promise), but never
	// takes more than a quarter of the lease: see drainOnce.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.lease/4)
	err := w.send(sctx, m, senders)
	cancel()
	switch {
	case err == nil:
		w.mark(ctx, log, "sent", func(c context.Context) error { return w.Outbox.MarkSent(c, m.ID, w.ID, w.now()) })
		log.Info("delivery: message sent")
	case isPermanent(err):
		w.fail(ctx, log, m, errText(err))
	case m.Attempts >= s.maxAttempts:
		w.fail(ctx, log, m, fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, errText(err)))
	default:
		delay := w.backoff(s, m.Attempts)
		next := w.now().Add(delay)
		w.mark(ctx, log, "retry", func(c context.Context) error { return w.Outbox.MarkRetry(c, m.ID, w.ID, errText(err), next) })
		log.Warn("delivery: send failed, will retry", "err", errText(err), "retry_in", delay.Round(time.Second).String())
	}
}

func (w *Worker) fail(ctx context.Context, log *slog.Logger, m *gatehouse.Message, reason string) {
	now := w.now()
	if !w.mark(ctx, log, "failed", func(c context.Context) error { return w.Outbox.MarkFailed(c, m.ID, w.ID, reason, now) }) {
		return
	}
	log.Error("delivery: message failed", "err", reason)
	if w.OnFailed != nil {
		f := *m
		f.Status, f.LastError, f.Text, f.HTML = gatehouse.MessageFailed, reason, "", ""
		f.ClaimedBy, f.ClaimedUntil = "", time.Time{}
		w.OnFailed(context.WithoutCancel(ctx), &f)
	}
}

// mark records an outcome. It outlives ctx, so that a message sent just before
// shutdown is not sent again. A NotFound means the lease ran out and another
// worker took the message over; its report wins.
func (w *Worker) mark(ctx context.Context, log *slog.Logger, outcome string, fn func(context.Context) error) bool {
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := fn(c)
	switch {
	case err == nil:
		return true
	case gatehouse.IsCode(err, gatehouse.NotFound):
		log.Warn("delivery: the claim was lost before the outcome was recorded", "outcome", outcome)
	default:
		log.Error("delivery: recording the outcome", "outcome", outcome, "err", err)
	}
	return false
}

func (w *Worker) send(ctx context.Context, m *gatehouse.Message, senders map[string]mail.Address) error {
	switch m.Channel {
	case gatehouse.ChannelEmail:
		if w.Mail == nil {
			return errors.New("delivery: no mail transport is configured")
		}
		from, ok := senders[m.OrgID]
		if !ok {
			addr, name, err := w.From(ctx, m.OrgID)
			if err != nil {
				return fmt.Errorf("delivery: reading the sender address: %w", err)
			}
			// A bad sender is the organization's configuration, not this
			// message's fault: retry, so that fixing the setting releases the queue.
			if err := mail.CheckAddress(addr); err != nil {
				return fmt.Errorf("delivery: the sender address in the organization's settings: %w", err)
			}
			from = mail.Address{Name: name, Address: addr}
			senders[m.OrgID] = from
		}
		date := m.CreatedAt
		if date.IsZero() {
			date = w.now()
		}
		return w.Mail.Send(ctx, &mail.Envelope{
			From: from, To: mail.Address{Address: m.To}, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
			MessageID: w.messageID(m.ID, from.Address), Date: date,
		})
	case gatehouse.ChannelSMS:
		if w.SMS == nil {
			return errors.New("delivery: no SMS transport is configured")
		}
		return w.SMS.Send(ctx, m.To, m.Text)
	}
	return permanentError{fmt.Errorf("delivery: unknown channel %q", m.Channel)}
}

// messageID derives the Message-ID from the outbox id, so that every attempt
// at one message carries the same id and a receiver that got it twice (a
// server that accepted it but whose answer was lost) can tell.
func (w *Worker) messageID(id, from string) string {
	domain := w.MessageIDDomain
	if domain == "" {
		_, domain, _ = strings.Cut(from, "@")
	}
	if !safeAtom(domain) {
		domain = "gatehouse.invalid"
	}
	if !safeAtom(id) {
		sum := sha256.Sum256([]byte(id))
		id = hex.EncodeToString(sum[:16])
	}
	return id + "@" + domain
}

func safeAtom(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// backoff returns the delay after the given failed attempt: BackoffBase doubled
// for each earlier attempt, at most BackoffMax, with the upper half random so
// that messages that failed together do not all come back at once.
func (w *Worker) backoff(s settings, attempt int) time.Duration {
	d := s.base
	for i := 1; i < attempt && d < s.max; i++ {
		d *= 2
	}
	d = min(d, s.max)
	half := d / 2
	var r float64
	if w.Rand != nil {
		r = w.Rand.Float64()
	} else {
		r = rand.Float64()
	}
	return half + time.Duration(r*float64(d-half))
}

// errText is the error as stored in the outbox and shown to administrators:
// one line, bounded. Transports never put message bodies in their errors.
func errText(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "the last attempt did not report"
	}
	return s
}
