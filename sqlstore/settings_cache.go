package sqlstore

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultSettingsTTL is how long Settings serves an organization's settings
// from memory before reading them again. Every page and every sign-in reads
// the settings, which change a few times a year: the cache saves a query per
// request. A change made through this Store is seen at once (the cache is
// dropped when its transaction commits); a change made by another replica or
// another process (`gatehouse settings set` while the server runs) is seen by
// this one within this bound.
const DefaultSettingsTTL = time.Second

// settingsCache keeps each organization's stored settings for a short time.
// Its clock is the process's monotonic clock, never the injected one: the TTL
// bounds how stale a replica may be in real time, and a test's frozen clock
// must not freeze the cache.
type settingsCache struct {
	ttl time.Duration
	// gen counts invalidations. A read that started before one must not fill
	// the cache with what it read, which may predate the change.
	gen atomic.Uint64
	mu  sync.Mutex
	m   map[string]cachedSettings
}

type cachedSettings struct {
	at     time.Time
	values map[string]string
}

func newSettingsCache(ttl time.Duration) *settingsCache {
	if ttl == 0 {
		ttl = DefaultSettingsTTL
	}
	return &settingsCache{ttl: ttl, m: map[string]cachedSettings{}}
}

func (c *settingsCache) enabled() bool { return c != nil && c.ttl > 0 }

// get returns a copy of the cached settings of org, if fresh.
func (c *settingsCache) get(org string) (map[string]string, bool) {
	c.mu.Lock()
	e, ok := c.m[org]
	c.mu.Unlock()
	if !ok || time.Since(e.at) >= c.ttl {
		return nil, false
	}
	return maps.Clone(e.values), true
}

// put caches values read at a time when the generation was gen.
func (c *settingsCache) put(org string, gen uint64, values map[string]string) {
	c.mu.Lock()
	if c.gen.Load() == gen {
		c.m[org] = cachedSettings{at: time.Now(), values: maps.Clone(values)}
	}
	c.mu.Unlock()
}

// invalidate forgets every cached organization.
func (c *settingsCache) invalidate() {
	c.mu.Lock()
	c.gen.Add(1)
	clear(c.m)
	c.mu.Unlock()
}
