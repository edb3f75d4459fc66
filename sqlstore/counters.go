package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Incr adds one event to the counter at key in a single upsert, so concurrent
// calls from any number of replicas never lose an increment. A counter that has
// expired at now starts again from one; otherwise its expiry stays ttl after the
// first event (fixed window) or moves to ttl after this one (sliding).
func (s guardRows) Incr(ctx context.Context, key string, now time.Time, ttl time.Duration, sliding bool) (gatehouse.Counter, error) {
	var c gatehouse.Counter
	var first, last int64
	err := s.writeRow(ctx, `INSERT INTO counters (key, count, first_at, last_at, expires_at)
		VALUES ($1, 1, $2, $2, $3)
		ON CONFLICT (key) DO UPDATE SET
			count = CASE WHEN counters.expires_at <= $2 THEN 1 ELSE counters.count + 1 END,
			first_at = CASE WHEN counters.expires_at <= $2 THEN $2 ELSE counters.first_at END,
			last_at = $2,
			expires_at = CASE WHEN counters.expires_at <= $2 OR $4 = 1 THEN $3 ELSE counters.expires_at END
		RETURNING count, first_at, last_at`,
		key, now.UnixMicro(), now.Add(ttl).UnixMicro(), boolInt(sliding)).Scan(&c.Count, &first, &last)
	if err != nil {
		return gatehouse.Counter{}, dbErr("sqlstore.Incr", err)
	}
	c.First, c.Last = timeOf(nullInt(first)), timeOf(nullInt(last))
	return c, nil
}

// Peek returns the counter at key as it stands at now: zero when absent or expired.
func (s guardRows) Peek(ctx context.Context, key string, now time.Time) (gatehouse.Counter, error) {
	var c gatehouse.Counter
	var first, last int64
	err := s.queryRow(ctx, `SELECT count, first_at, last_at FROM counters
		WHERE key = $1 AND expires_at > $2`, key, now.UnixMicro()).Scan(&c.Count, &first, &last)
	if err != nil {
		if err = dbErr("sqlstore.Peek", err); gatehouse.IsCode(err, gatehouse.NotFound) {
			return gatehouse.Counter{}, nil
		}
		return gatehouse.Counter{}, err
	}
	c.First, c.Last = timeOf(nullInt(first)), timeOf(nullInt(last))
	return c, nil
}

// Reset forgets the counter at key; resetting an absent counter is not an error.
func (s guardRows) Reset(ctx context.Context, key string) error {
	_, err := s.exec(ctx, `DELETE FROM counters WHERE key = $1`, key)
	return dbErr("sqlstore.Reset", err)
}
