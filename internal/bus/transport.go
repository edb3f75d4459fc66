package bus

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notice is one change: what a transport carries.
type Notice struct {
	Topic, Key string
}

// Payload is how a notice travels in a PostgreSQL notification: "topic:key".
func (n Notice) Payload() string { return n.Topic + ":" + n.Key }

// ParsePayload reads a notification's payload; ok is false when it is not a
// notice.
func ParsePayload(p string) (n Notice, ok bool) {
	topic, key, ok := strings.Cut(p, ":")
	if !ok || topic == "" {
		return Notice{}, false
	}
	return Notice{Topic: topic, Key: key}, true
}

// Timings of the transports. A silent network (packets dropped, no reset)
// is found by a ping when no notification came for PingEvery; the caches'
// own maximum age covers the time until then.
var (
	PingEvery   = 5 * time.Second
	PingTimeout = 2 * time.Second
	maxBackoff  = 5 * time.Second
)

// ListenPostgres receives the notices sent on channel of the PostgreSQL
// database at url (pg_notify(channel, payload)) until ctx ends, on a
// connection of its own. It reconnects after any failure, and tells the
// subscribers to forget everything (Gap) each time it connects, since
// notices sent while it was away are lost. It returns when ctx ends.
func (b *Bus) ListenPostgres(ctx context.Context, url, channel string, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := b.listenOnce(ctx, url, channel, func() { backoff = 100 * time.Millisecond })
		b.SetConnected(false)
		b.Gap()
		if ctx.Err() != nil {
			return
		}
		log.Warn("change notifications interrupted; caches fall back on their maximum age until they return",
			"error", err, "retry_in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (b *Bus) listenOnce(ctx context.Context, url, channel string, connected func()) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = "gatehouse-bus"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	b.SetConnected(true)
	b.Gap() // what was cached before listening may have missed a notice
	connected()
	for {
		wctx, cancel := context.WithTimeout(ctx, PingEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err == nil {
			if x, ok := ParsePayload(n.Payload); ok {
				b.Deliver(x.Topic, x.Key)
			}
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if conn.IsClosed() || !(errors.Is(err, context.DeadlineExceeded) || isTimeout(err)) {
			return err
		}
		// Quiet for PingEvery: make sure the connection still carries.
		pctx, cancel := context.WithTimeout(ctx, PingTimeout)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return err
		}
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// Poll reads notices with next every interval until ctx ends: the transport
// of a change table, for SQLite. next returns the notices after the sequence
// number after, the last sequence number it read, and gap when notices after
// after were pruned before they were read.
func (b *Bus) Poll(ctx context.Context, every time.Duration, start int64,
	next func(ctx context.Context, after int64) (ns []Notice, last int64, gap bool, err error), log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	after, failing := start, false
	t := time.NewTicker(every)
	defer t.Stop()
	b.SetConnected(true)
	defer b.SetConnected(false)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ns, last, gap, err := next(ctx, after)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !failing {
				log.Warn("reading change notices failed; caches fall back on their maximum age", "error", err)
			}
			failing = true
			b.SetConnected(false)
			continue
		}
		if failing || gap {
			b.Gap()
		}
		failing = false
		b.SetConnected(true)
		for _, n := range ns {
			b.Deliver(n.Topic, n.Key)
		}
		after = last
	}
}
