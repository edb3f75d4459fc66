package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/internal/safehttp"
)

// DefaultSchedule is the wait before each retry: the first attempt is at
// once, the last one about three days (71.6 hours) after it; then the
// delivery has failed.
var DefaultSchedule = []time.Duration{
	5 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 20 * time.Hour,
}

// maxRetryAfter bounds what a receiver's Retry-After can ask for.
const maxRetryAfter = 24 * time.Hour

// Worker delivers due webhooks. Any number of workers, in any number of
// replicas, can run on one database: each claims deliveries with a lease.
type Worker struct {
	Store Store
	// Client sends the requests; default safehttp.NewClient with defaults
	// (private addresses refused, no redirects, 10-second timeout).
	Client *http.Client
	ID     string // names this worker in its claims; default a random id
	Now    func() time.Time
	// Poll is how often the queue is looked at (default 1s).
	Poll time.Duration
	// Lease is how long a claim holds (default 1 minute, longer than a request).
	Lease    time.Duration
	Batch    int             // deliveries claimed at once (default 20)
	Schedule []time.Duration // default DefaultSchedule
	Log      *slog.Logger
	// UserAgent is sent with every request (default "Gatehouse-Webhooks/1").
	UserAgent string
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) defaults() {
	if w.Client == nil {
		w.Client = safehttp.NewClient(safehttp.Options{})
	}
	if w.ID == "" {
		w.ID = "webhook-" + gatehouse.NewID(nil)
	}
	if w.Poll <= 0 {
		w.Poll = time.Second
	}
	if w.Lease <= 0 {
		w.Lease = time.Minute
	}
	if w.Batch <= 0 {
		w.Batch = 20
	}
	if w.Schedule == nil {
		w.Schedule = DefaultSchedule
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	if w.UserAgent == "" {
		w.UserAgent = "Gatehouse-Webhooks/1"
	}
}

// Run delivers until ctx ends. Deliveries in flight when it ends are left to
// their lease: another worker (or this one after a restart) sends them again.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Poll)
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.Log.WarnContext(ctx, "webhook deliveries", "err", err)
			}
			if err != nil || n < w.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims one batch of due deliveries, sends them concurrently and
// records each outcome. It returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	ds, err := w.Store.ClaimWebhookDeliveries(ctx, w.ID, w.now(), w.Lease, w.Batch)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, d := range ds {
		wg.Go(func() { w.deliver(ctx, d) })
	}
	wg.Wait()
	return len(ds), nil
}

func (w *Worker) deliver(ctx context.Context, d *Delivery) {
	res, gone := w.attempt(ctx, d)
	if ctx.Err() != nil {
		return // shutting down: the lease runs out and the delivery is sent again
	}
	log := w.Log.With("webhook_id", d.EndpointID, "event_id", d.EventID, "attempt", d.Attempts+1, "http_status", res.HTTPStatus)
	if gone {
		err := w.Store.WebhookTx(ctx, func(st Store) error {
			if err := st.MarkWebhookDone(ctx, d.ID, w.ID, res); err != nil {
				return err
			}
			if err := st.DisableWebhook(ctx, d.OrgID, d.EndpointID, "the receiver answered 410 Gone", res.At); err != nil {
				return err
			}
			return st.AddAudit(ctx, &gatehouse.AuditEvent{ID: gatehouse.NewID(nil), OrgID: d.OrgID, At: res.At,
				Type: gatehouse.EventWebhookDisabled, ActorKind: gatehouse.ActorSystem, ActorName: "system",
				Details: map[string]string{"webhook_id": d.EndpointID, "reason": "410 Gone"}})
		})
		if err != nil {
			log.ErrorContext(ctx, "disabling a webhook", "err", err)
			return
		}
		log.WarnContext(ctx, "webhook endpoint disabled: it answered 410 Gone")
		return
	}
	if err := w.Store.MarkWebhookDone(ctx, d.ID, w.ID, res); err != nil {
		log.ErrorContext(ctx, "recording a webhook delivery", "err", err)
		return
	}
	switch res.Status {
	case Delivered:
		log.DebugContext(ctx, "webhook delivered")
	case Failed:
		log.WarnContext(ctx, "webhook delivery failed for good", "err", res.Error)
	default:
		log.InfoContext(ctx, "webhook delivery will be retried", "err", res.Error, "next", res.Next)
	}
}

// attempt sends d once and judges the answer: 2xx delivered; 410 gone (the
// endpoint is disabled); anything else, or no answer, a retry while the
// schedule lasts, at the later of the schedule and a Retry-After.
func (w *Worker) attempt(ctx context.Context, d *Delivery) (Result, bool) {
	status, retryAfter, err := w.send(ctx, d)
	res := Result{At: w.now(), HTTPStatus: status}
	switch {
	case err == nil && status >= 200 && status < 300:
		res.Status = Delivered
		return res, false
	case err == nil && status == http.StatusGone:
		res.Status, res.Error = Failed, "410 Gone: the endpoint is disabled"
		return res, true
	case err != nil:
		res.Error = err.Error()
	default:
		res.Error = fmt.Sprintf("the receiver answered %d", status)
	}
	if d.Attempts >= len(w.Schedule) {
		res.Status = Failed
		return res, false
	}
	wait := w.Schedule[d.Attempts]
	if retryAfter > wait {
		wait = min(retryAfter, maxRetryAfter)
	}
	res.Status, res.Next = Pending, res.At.Add(wait)
	return res, false
}

// send makes the request and returns the status and Retry-After of the answer.
func (w *Worker) send(ctx context.Context, d *Delivery) (int, time.Duration, error) {
	if d.Endpoint == nil || d.Event == nil {
		return 0, 0, errors.New("the delivery's endpoint or event is gone")
	}
	body, err := Body(d.Event)
	if err != nil {
		return 0, 0, err
	}
	at := w.now()
	secrets, err := openSecrets(ctx, w.Store, d.Endpoint, at)
	if err != nil {
		return 0, 0, fmt.Errorf("opening the signing secret: %w", err)
	}
	sig, err := Sign(d.EventID, at, body, secrets...)
	if err != nil {
		return 0, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.UserAgent)
	req.Header.Set("webhook-id", d.EventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := w.Client.Do(req)
	if err != nil {
		if safehttp.Refused(err) {
			return 0, 0, errors.New("the endpoint's address is not public (set GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE to allow it)")
		}
		return 0, 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), at), nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return time.Duration(min(n, int(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
