package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
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

// untriedDelay is how long a message waits after its sender could not try it
// at all (no transport, an invalid sender address in the settings), or
// BackoffMax if that is shorter: such a failure is not counted and waits for
// an operator, so retrying it often would only churn the queue.
const untriedDelay = time.Minute

// handle sends one claimed message and records the outcome. Only a send that
// was made counts as an attempt: its number decides the backoff and when to
// give up.
func (w *Worker) handle(ctx context.Context, s settings, m *gatehouse.Message, r *round) {
	log := w.log().With("message", m.ID, "org", m.OrgID, "kind", m.Kind, "channel", string(m.Channel), "worker", w.ID)
	// Claims that ran out without a report mean workers died while they held
	// the message, perhaps because of the message itself: stop trying it.
	if m.LapsedClaims >= s.maxAttempts {
		w.fail(ctx, log, m, false, fmt.Sprintf("gave up: %d claims on it ran out without a report (its senders stopped while sending it); %d attempts: %s",
			m.LapsedClaims, m.Attempts, orUnknown(m.LastError)))
		return
	}
	// The send finishes even when ctx ends meanwhile (Run's promise), but never
	// takes more than a quarter of the lease: see drainOnce.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.send)
	tried, err := w.send(sctx, m, r)
	cancel()
	at := w.now()
	attempt := m.Attempts
	if tried {
		attempt++
	}
	log = log.With("attempt", attempt)
	switch {
	case err == nil:
		if r.sentOne(m, log) {
			return // recorded with the rest of the round
		}
		w.mark(ctx, log, "sent", func(c context.Context) error { return w.Outbox.MarkSent(c, m.ID, w.ID, at) })
		log.Info("delivery: message sent")
	case isPermanent(err):
		w.fail(ctx, log, m, tried, errText(err))
	case tried && attempt >= s.maxAttempts:
		w.fail(ctx, log, m, tried, fmt.Sprintf("gave up after %d attempts: %s", attempt, errText(err)))
	default:
		delay := min(untriedDelay, s.max)
		if tried {
			delay = w.backoff(s, attempt)
		}
		next := at.Add(delay)
		w.mark(ctx, log, "retry", func(c context.Context) error {
			return w.Outbox.MarkRetry(c, m.ID, w.ID, tried, errText(err), at, next)
		})
		log.Warn("delivery: send failed, will retry", "err", errText(err), "tried", tried,
			"retry_in", delay.Round(time.Millisecond).String(), "next_attempt", next)
	}
}

func (w *Worker) fail(ctx context.Context, log *slog.Logger, m *gatehouse.Message, tried bool, reason string) {
	now := w.now()
	if !w.mark(ctx, log, "failed", func(c context.Context) error { return w.Outbox.MarkFailed(c, m.ID, w.ID, tried, reason, now) }) {
		return
	}
	log.Error("delivery: message failed", "err", reason)
	attempts := m.Attempts
	if tried {
		attempts++
	}
	// The event outlives ctx like the outcome: a message given up on just
	// before shutdown is recorded all the same. It holds no body.
	e := &gatehouse.AuditEvent{
		ID: gatehouse.NewID(nil), OrgID: m.OrgID, At: now, Type: gatehouse.EventMailFailed,
		ActorKind: gatehouse.ActorSystem, ActorName: "system", MemberID: m.MemberID,
		Details: map[string]string{"message": m.ID, "channel": string(m.Channel), "kind": m.Kind, "to": gatehouse.Storable(m.To),
			"attempts": strconv.Itoa(attempts), "error": gatehouse.Storable(gatehouse.Truncate(reason, 300))},
	}
	w.mark(ctx, log, "audited", func(c context.Context) error { return w.Outbox.AddAudit(c, e) })
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

// send hands m to its transport and reports whether it did: a failure before
// (no transport, an invalid sender address, an unknown channel) is the
// worker's own and no attempt at the message.
func (w *Worker) send(ctx context.Context, m *gatehouse.Message, r *round) (tried bool, err error) {
	switch m.Channel {
	case gatehouse.ChannelEmail:
		if w.Mail == nil {
			return false, errors.New("delivery: no mail transport is configured")
		}
		// The sender came from the organization's settings when the message
		// was queued. A bad one is the organization's configuration, not this
		// message's fault: retry, so that fixing the setting (which gives the
		// queued messages the new sender) releases the queue.
		if err := mail.CheckAddress(m.From); err != nil {
			return false, fmt.Errorf("delivery: the sender address of the organization's settings: %w", err)
		}
		from := mail.Address{Name: m.FromName, Address: m.From}
		date := m.CreatedAt
		if date.IsZero() {
			date = w.now()
		}
		return true, w.Mail.Send(ctx, &mail.Envelope{
			From: from, To: mail.Address{Address: m.To}, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
			MessageID: w.messageID(m.ID, from.Address), Date: date,
		})
	case gatehouse.ChannelSMS:
		if w.SMS == nil {
			return false, errors.New("delivery: no SMS transport is configured")
		}
		return true, w.SMS.Send(ctx, m.To, m.Text)
	}
	return false, permanentError{fmt.Errorf("delivery: unknown channel %q", m.Channel)}
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

// backoff returns the delay after the given failed attempt (1 for the first):
// BackoffBase doubled for each earlier attempt, at most BackoffMax, with the
// upper half random so that messages that failed together do not all come
// back at once. With the defaults: 2.5–5 s after the first, 5–10 s after the
// second, … 30–60 min from the eleventh on (docs/recovery.md).
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
		return "no attempt reported an error"
	}
	return s
}
