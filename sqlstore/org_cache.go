package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse"
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

// copyOrg is an organization of the caller's own.
func copyOrg(o *gatehouse.Organization) *gatehouse.Organization {
	v := *o
	v.Hosts = slices.Clone(o.Hosts)
	return &v
}

// cachedOrgByHost is OrganizationByHost (and, under "#" and the id,
// Organization) through the cache, outside a transaction.
func (s orgRows) cachedOrgByHost(ctx context.Context, host string, read func() (*gatehouse.Organization, error)) (*gatehouse.Organization, error) {
	c := s.db.orgs
	if s.tx != nil || c == nil {
		return read()
	}
	return c.through(host, read)
}

// orgChanged tells every replica's cache that the organization changed, once
// the transaction commits.
func (s orgRows) orgChanged(ctx context.Context, id string) error {
	if s.db.orgs != nil {
		s.db.orgs.clear() // now, so that no read begun before the change fills the cache
	}
	return s.Publish(ctx, TopicOrganization, id)
}
