package sqlstore

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/internal/bus"
)

// DefaultSessionTTL is the longest SessionByToken answers a lookup from
// memory. Every request of a signed-in browser, and every session check of an
// application, looks its session up; the cache answers the repeats without the
// database. A session ended or changed through this Store is dropped at once;
// one ended by another replica or process as soon as the database's notice
// arrives (a few milliseconds, see Listen); and whatever the notices do, no
// entry is used once older than this, so that a replica whose notices are cut
// still refuses an ended session within a second.
const DefaultSessionTTL = 500 * time.Millisecond

// maxCachedSessions bounds the cache: past it, entries are dropped.
const maxCachedSessions = 20000

// sessionCache keeps recent session lookups, by token hash, with their
// member. Like the settings cache its clock is the process's monotonic clock:
// the TTL bounds staleness in real time, whatever a test's clock says.
type sessionCache struct {
	ttl time.Duration
	// gen counts invalidations: a lookup that began before one must not fill
	// the cache with what it read, which may predate the change.
	gen atomic.Uint64

	mu        sync.RWMutex
	byHash    map[string]*cachedSession
	byMember  map[string][]string // member id -> token hashes
	bySession map[string]string   // session id -> token hash
	swept     time.Time
	hits      atomic.Uint64
	misses    atomic.Uint64
}

type cachedSession struct {
	at   time.Time
	sess gatehouse.Session
	m    gatehouse.Member
}

func newSessionCache(ttl time.Duration, b *bus.Bus) *sessionCache {
	if ttl == 0 {
		ttl = DefaultSessionTTL
	}
	c := &sessionCache{ttl: ttl, byHash: map[string]*cachedSession{},
		byMember: map[string][]string{}, bySession: map[string]string{}, swept: time.Now()}
	if ttl > 0 {
		b.Subscribe(TopicMember, func(id string) {
			if id == bus.All {
				c.clear()
				return
			}
			c.forgetMember(id)
		})
	}
	return c
}

func (c *sessionCache) enabled() bool { return c != nil && c.ttl > 0 }

// get returns copies of the cached session and member of hash, if fresh.
func (c *sessionCache) get(hash string) (*gatehouse.Session, *gatehouse.Member, bool) {
	c.mu.RLock()
	e := c.byHash[hash]
	c.mu.RUnlock()
	if e == nil || time.Since(e.at) >= c.ttl {
		c.misses.Add(1)
		return nil, nil, false
	}
	c.hits.Add(1)
	// The caller's own copies, in one allocation rather than two: a hit is
	// every session check's path.
	cp := &sessionCopy{e.sess, e.m}
	return &cp.sess, &cp.m, true
}

type sessionCopy struct {
	sess gatehouse.Session
	m    gatehouse.Member
}

// put caches a lookup made when the generation was gen.
func (c *sessionCache) put(hash string, gen uint64, ss *gatehouse.Session, m *gatehouse.Member) {
	e := &cachedSession{at: time.Now(), sess: *ss, m: *m}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if len(c.byHash) >= maxCachedSessions || e.at.Sub(c.swept) > 10*c.ttl {
		c.sweep(e.at)
	}
	if old := c.byHash[hash]; old == nil {
		c.byMember[m.ID] = append(c.byMember[m.ID], hash)
	} else if old.m.ID != m.ID {
		c.dropLocked(hash) // cannot happen: a token hash is one session's
		c.byMember[m.ID] = append(c.byMember[m.ID], hash)
	}
	c.byHash[hash] = e
	c.bySession[ss.ID] = hash
}

// sweep drops the stale entries, or all of them when the fresh ones fill the
// cache. c.mu is held.
func (c *sessionCache) sweep(now time.Time) {
	c.swept = now
	for h, e := range c.byHash {
		if now.Sub(e.at) >= c.ttl {
			c.dropLocked(h)
		}
	}
	if len(c.byHash) >= maxCachedSessions {
		c.clearLocked()
	}
}

// dropLocked forgets the entry of hash. c.mu is held.
func (c *sessionCache) dropLocked(hash string) {
	e := c.byHash[hash]
	if e == nil {
		return
	}
	delete(c.byHash, hash)
	if c.bySession[e.sess.ID] == hash {
		delete(c.bySession, e.sess.ID)
	}
	hs := c.byMember[e.m.ID]
	for i, h := range hs {
		if h == hash {
			hs[i] = hs[len(hs)-1]
			hs = hs[:len(hs)-1]
			break
		}
	}
	if len(hs) == 0 {
		delete(c.byMember, e.m.ID)
	} else {
		c.byMember[e.m.ID] = hs
	}
}

// forgetMember drops every session of the member.
func (c *sessionCache) forgetMember(id string) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	c.gen.Add(1)
	for _, h := range append([]string(nil), c.byMember[id]...) {
		c.dropLocked(h)
	}
	c.mu.Unlock()
}

// forgetSession drops the session with the public id.
func (c *sessionCache) forgetSession(id string) {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	c.gen.Add(1)
	if h, ok := c.bySession[id]; ok {
		c.dropLocked(h)
	}
	c.mu.Unlock()
}

// clear drops everything.
func (c *sessionCache) clear() {
	if !c.enabled() {
		return
	}
	c.mu.Lock()
	c.clearLocked()
	c.mu.Unlock()
}

func (c *sessionCache) clearLocked() {
	c.gen.Add(1)
	clear(c.byHash)
	clear(c.byMember)
	clear(c.bySession)
}

// SessionCacheStats counts the session lookups answered from memory and from
// the database since Open.
type SessionCacheStats struct {
	Hits, Misses uint64
}

// SessionCacheStats returns the session cache's counters.
func (s sessionRows) SessionCacheStats() SessionCacheStats {
	return SessionCacheStats{Hits: s.db.sessions.hits.Load(), Misses: s.db.sessions.misses.Load()}
}
