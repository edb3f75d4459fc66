package sqlstore

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/bus"
)

// busCache is one replica's short-lived cache of values read by key (an
// organization by host, a brand by organization). A change made through any
// Store of the deployment drops it whole when the notice of its topic arrives
// (Publish), and whatever the notices do, no entry is used once older than
// ttl. copy gives each caller a value of its own, so that nothing a caller
// does to it reaches the cache.
type busCache[V any] struct {
	ttl  time.Duration
	copy func(V) V
	gen  atomic.Uint64 // cleared so many times: a read begun before a clear is not kept
	mu   sync.RWMutex  // every request reads
	m    map[string]cachedValue[V]
}

type cachedValue[V any] struct {
	at time.Time
	v  V
}

func newBusCache[V any](b *bus.Bus, topic string, ttl time.Duration, copy func(V) V) *busCache[V] {
	c := &busCache[V]{ttl: ttl, copy: copy, m: map[string]cachedValue[V]{}}
	b.Subscribe(topic, func(string) { c.clear() })
	return c
}

func (c *busCache[V]) clear() {
	c.gen.Add(1)
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

func (c *busCache[V]) get(key string) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || time.Since(e.at) > c.ttl {
		var zero V
		return zero, false
	}
	return c.copy(e.v), true
}

func (c *busCache[V]) put(key string, gen uint64, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if len(c.m) > 10000 {
		clear(c.m)
	}
	c.m[key] = cachedValue[V]{at: time.Now(), v: c.copy(v)}
}

// through answers key from the cache, or reads it and keeps what it read
// unless the cache was cleared meanwhile. Only values found are kept.
func (c *busCache[V]) through(key string, read func() (V, error)) (V, error) {
	if v, ok := c.get(key); ok {
		return v, nil
	}
	gen := c.gen.Load()
	v, err := read()
	if err == nil {
		c.put(key, gen, v)
	}
	return v, err
}
