package sqlstore

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"log/slog"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/internal/bus"
)

// Change notices: the database's triggers (migration 0013) announce every
// change of a member or of a session still running, naming the member, on
// topic TopicMember; Listen carries them to the Store's Bus, where the session
// cache and any other cache drop what they hold of that member.

// TopicMember is the topic of the notices about a member and its sessions; the
// key is the member's id.
const TopicMember = "member"

// DefaultPollInterval is how often a Store on SQLite reads the change notices
// of other processes on the same file.
const DefaultPollInterval = 100 * time.Millisecond

// keepNotices is how many change notices SQLite keeps; a process further
// behind than that forgets everything it caches (bus.Bus.Gap).
const keepNotices = 10000

// Bus returns the Store's bus: the caches of this process subscribe to it.
// It carries notices once Listen runs.
func (s *Store) Bus() *bus.Bus { return s.db.bus }

// ListenOptions tune Listen. The zero value is ready to use.
type ListenOptions struct {
	// URL is the PostgreSQL database to listen on, when not the Store's own
	// (a connection pooler in transaction mode, such as PgBouncer, cannot
	// carry LISTEN: point this at the database itself).
	URL string
	// PollInterval is how often SQLite's notices are read (DefaultPollInterval).
	PollInterval time.Duration
	// Log receives the interruptions; nil is the Store's log.
	Log *slog.Logger
}

// Listen carries the database's change notices to Bus until ctx ends: on
// PostgreSQL with LISTEN on a connection of its own, reconnecting after any
// failure; on SQLite by reading the change_notices table. Without Listen the
// caches still drop what this Store changes at once, and what others change
// after their maximum age. It returns at once when ctx is done or the Store is
// a transaction's.
func (s *Store) Listen(ctx context.Context, opts ListenOptions) error {
	const op = "sqlstore.Listen"
	log := opts.Log
	if log == nil {
		log = s.db.log
	}
	switch s.db.dialect {
	case Postgres:
		var schema string
		if err := s.queryRow(ctx, `SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE c.oid = 'members'::regclass`).Scan(&schema); err != nil {
			return dbErr(op, err)
		}
		url := opts.URL
		if url == "" {
			url = s.db.url
		}
		go s.db.bus.ListenPostgres(ctx, url, NoticeChannel(schema), log)
	default:
		var start int64
		if err := s.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM change_notices`).Scan(&start); err != nil {
			return dbErr(op, err)
		}
		every := opts.PollInterval
		if every <= 0 {
			every = DefaultPollInterval
		}
		var polls int
		go s.db.bus.Poll(ctx, every, start, func(ctx context.Context, after int64) ([]bus.Notice, int64, bool, error) {
			if polls++; polls%300 == 0 {
				s.pruneNotices(ctx)
			}
			return s.noticesAfter(ctx, after)
		}, log)
	}
	return nil
}

// NoticeChannel is the PostgreSQL channel of the notices of the tables in schema.
func NoticeChannel(schema string) string {
	sum := md5.Sum([]byte(schema))
	return "gh_bus_" + hex.EncodeToString(sum[:])[:16]
}

// noticesAfter reads the SQLite notices after sequence number after.
func (s *Store) noticesAfter(ctx context.Context, after int64) ([]bus.Notice, int64, bool, error) {
	const op = "sqlstore.noticesAfter"
	rows, err := s.query(ctx, `SELECT seq, topic, key FROM change_notices WHERE seq > $1 ORDER BY seq LIMIT 1000`, after)
	if err != nil {
		return nil, after, false, dbErr(op, err)
	}
	defer rows.Close()
	var out []bus.Notice
	last, gap := after, false
	for rows.Next() {
		var seq int64
		var n bus.Notice
		if err := rows.Scan(&seq, &n.Topic, &n.Key); err != nil {
			return nil, after, false, dbErr(op, err)
		}
		if len(out) == 0 && seq != after+1 {
			gap = true // pruned before this process read them
		}
		out = append(out, n)
		last = seq
	}
	return out, last, gap, dbErr(op, rows.Err())
}

// pruneNotices keeps the latest keepNotices notices. A failure (a read-only
// or full disk) is left for the next time.
func (s *Store) pruneNotices(ctx context.Context) {
	_, _ = s.exec(ctx, `DELETE FROM change_notices WHERE seq <= (SELECT MAX(seq) FROM change_notices) - `+strconv.Itoa(keepNotices))
}

// Publish sends a notice to every process's Bus, this one's included, once
// the transaction s belongs to commits (at once outside one). The triggers
// send the member notices; Publish is for the caches of other tables.
func (s *Store) Publish(ctx context.Context, topic, key string) error {
	const op = "sqlstore.Publish"
	n := bus.Notice{Topic: topic, Key: key}
	if topic == "" {
		return gatehouse.Errorf(gatehouse.Invalid, op, "a notice needs a topic")
	}
	var err error
	if s.db.dialect == Postgres {
		_, err = s.exec(ctx, `SELECT pg_notify('gh_bus_' || left(md5(n.nspname), 16), $1)
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = 'members'::regclass`, n.Payload())
	} else {
		_, err = s.exec(ctx, `INSERT INTO change_notices (topic, key) VALUES ($1, $2)`, topic, key)
	}
	if err != nil {
		return dbErr(op, err)
	}
	s.whenCommitted(func() { s.db.bus.Deliver(topic, key) })
	return nil
}

// whenCommitted runs f once the transaction s belongs to has committed, or at
// once outside a transaction.
func (s *Store) whenCommitted(f func()) {
	if s.tx != nil {
		s.afterCommit(f)
		return
	}
	f()
}
