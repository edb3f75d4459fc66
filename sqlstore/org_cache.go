package sqlstore

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/internal/bus"
)

// TopicOrganization is the topic of the notices about an organization (its
// state, name or hosts); the key is its id.
const TopicOrganization = "organization"

// DefaultOrgTTL is the longest OrganizationByHost answers from memory. Every
// request looks its Host up; the cache answers the repeats. A change made
// through any Store of the deployment drops every replica's cache when its
// notice arrives (Publish); whatever the notices do, no entry is used once
// older than this. Only hosts that were found are kept: a host added on one
// replica answers on every other at once.
const DefaultOrgTTL = time.Second

type orgCache struct {
	gen atomic.Uint64
	mu  sync.RWMutex // every request reads, through ByHost and the session check
	m   map[string]cachedOrg
}

type cachedOrg struct {
	at  time.Time
	org gatehouse.Organization
}

func newOrgCache(b *bus.Bus) *orgCache {
	c := &orgCache{m: map[string]cachedOrg{}}
	b.Subscribe(TopicOrganization, func(string) { c.clear() })
	return c
}

func (c *orgCache) clear() {
	c.gen.Add(1)
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}

func (c *orgCache) get(host string) (*gatehouse.Organization, bool) {
	c.mu.RLock()
	e, ok := c.m[host]
	c.mu.RUnlock()
	if !ok || time.Since(e.at) > DefaultOrgTTL {
		return nil, false
	}
	o := e.org
	o.Hosts = slices.Clone(o.Hosts)
	return &o, true
}

func (c *orgCache) put(host string, gen uint64, o *gatehouse.Organization) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if len(c.m) > 10000 {
		clear(c.m)
	}
	v := *o
	v.Hosts = slices.Clone(o.Hosts)
	c.m[host] = cachedOrg{at: time.Now(), org: v}
}

// cachedOrgByHost is OrganizationByHost (and, under "#" and the id,
// Organization) through the cache, outside a transaction.
func (s orgRows) cachedOrgByHost(ctx context.Context, host string, read func() (*gatehouse.Organization, error)) (*gatehouse.Organization, error) {
	c := s.db.orgs
	if s.tx != nil || c == nil {
		return read()
	}
	if o, ok := c.get(host); ok {
		return o, nil
	}
	gen := c.gen.Load()
	o, err := read()
	if err == nil {
		c.put(host, gen, o)
	}
	return o, err
}

// orgChanged tells every replica's cache that the organization changed, once
// the transaction commits.
func (s orgRows) orgChanged(ctx context.Context, id string) error {
	if s.db.orgs != nil {
		s.db.orgs.clear() // now, so that no read begun before the change fills the cache
	}
	return s.Publish(ctx, TopicOrganization, id)
}
