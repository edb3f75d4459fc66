// Package redisstore keeps throttling counters in Redis, for operators who prefer
// not to write them to the database. It implements gatehouse.Counters with the
// same semantics as package sqlstore: expiry is decided by the caller's clock
// (stored in the counter), and Redis's own expiry only collects old keys.
package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse"
)

// Counters implements gatehouse.Counters on Redis.
type Counters struct {
	client redis.UniversalClient
	prefix string
}

var _ gatehouse.Counters = (*Counters)(nil)

// DefaultPrefix is the prefix of the counter keys when Open is given none.
const DefaultPrefix = "gatehouse:counter:"

// Open connects to the Redis server at url (redis://host:port/db or rediss://…)
// and checks that it answers. Keys are prefixed with prefix (DefaultPrefix when
// empty), so that several installations can share one Redis.
func Open(ctx context.Context, url, prefix string) (*Counters, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, gatehouse.Wrap("redisstore.Open", err)
	}
	c := redis.NewClient(opts)
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, gatehouse.Wrap("redisstore.Open", err)
	}
	return &Counters{client: c, prefix: prefix}, nil
}

// New wraps an existing client; keys are prefixed with prefix.
func New(client redis.UniversalClient, prefix string) *Counters {
	return &Counters{client: client, prefix: prefix}
}

// Close closes the connection.
func (c *Counters) Close() error { return c.client.Close() }

// Ping checks that Redis answers, for readiness: while it does not, sign-ins
// cannot be counted and are refused with 503.
func (c *Counters) Ping(ctx context.Context) error {
	if err := c.client.Ping(ctx).Err(); err != nil {
		return unavailable("redisstore.Ping", err)
	}
	return nil
}

// incr adds one event in a single atomic step. Times are microseconds since the
// epoch. A counter whose expiry has passed starts again from one.
var incr = redis.NewScript(`
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local sliding = ARGV[3] == "1"
local v = redis.call("HMGET", KEYS[1], "count", "first", "expires")
local count = tonumber(v[1]) or 0
local first = tonumber(v[2]) or now
local expires = tonumber(v[3]) or 0
if count == 0 or expires <= now then
  count = 0
  first = now
  expires = now + ttl
end
count = count + 1
if sliding then expires = now + ttl end
redis.call("HSET", KEYS[1], "count", count, "first", first, "last", now, "expires", expires)
redis.call("PEXPIRE", KEYS[1], math.floor(ttl / 1000) + 60000)
return {count, first, now}
`)

// Incr adds one event to the counter at key.
func (c *Counters) Incr(ctx context.Context, key string, now time.Time, ttl time.Duration, sliding bool) (gatehouse.Counter, error) {
	sl := "0"
	if sliding {
		sl = "1"
	}
	res, err := incr.Run(ctx, c.client, []string{c.prefix + key}, now.UnixMicro(), ttl.Microseconds(), sl).Int64Slice()
	if err != nil || len(res) != 3 {
		return gatehouse.Counter{}, unavailable("redisstore.Incr", err)
	}
	return gatehouse.Counter{Count: int(res[0]), First: time.UnixMicro(res[1]).UTC(), Last: time.UnixMicro(res[2]).UTC()}, nil
}

// Peek returns the counter at key, zero when absent or expired at now.
func (c *Counters) Peek(ctx context.Context, key string, now time.Time) (gatehouse.Counter, error) {
	v, err := c.client.HMGet(ctx, c.prefix+key, "count", "first", "last", "expires").Result()
	if err != nil {
		return gatehouse.Counter{}, unavailable("redisstore.Peek", err)
	}
	n := func(i int) int64 {
		s, _ := v[i].(string)
		x, _ := strconv.ParseInt(s, 10, 64)
		return x
	}
	if n(0) == 0 || n(3) <= now.UnixMicro() {
		return gatehouse.Counter{}, nil
	}
	return gatehouse.Counter{Count: int(n(0)), First: time.UnixMicro(n(1)).UTC(), Last: time.UnixMicro(n(2)).UTC()}, nil
}

// Reset removes the counter at key.
func (c *Counters) Reset(ctx context.Context, key string) error {
	if err := c.client.Del(ctx, c.prefix+key).Err(); err != nil {
		return unavailable("redisstore.Reset", err)
	}
	return nil
}

// unavailable reports a Redis failure as the server being unable to serve, so
// requests get 503 rather than 500 while Redis is down.
func unavailable(op string, err error) error {
	return &gatehouse.Error{Code: gatehouse.Unavailable, Op: op, Message: "The server cannot check sign-in limits right now; try again shortly.", RetryAfter: 5, Err: err}
}
