package account

import (
	"context"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
)

// LinkIn returns an absolute link to path with the query on the URL of the
// organization orgID (issue 12): the public URL's scheme with the
// organization's first host, or the public URL itself for an organization
// without hosts (the default one). It never uses a request's Host header.
func (s *Service) LinkIn(ctx context.Context, orgID, path string, query url.Values) string {
	return s.linkVia(ctx, s.Store, orgID, path, query)
}

// linkVia is LinkIn reading the organization through st. Inside a
// transaction st must be the transaction: a read on another connection while
// the transaction holds a member's row waits for a free connection, and when
// every connection is taken by requests waiting for that row (concurrent
// resets of one member on PostgreSQL) none ever comes.
func (s *Service) linkVia(ctx context.Context, st orgReader, orgID, path string, query url.Values) string {
	o, err := st.Organization(ctx, orgID)
	if err != nil || len(o.Hosts) == 0 {
		// The default organization, or a store that cannot say: the public
		// URL, where the default organization answers.
		return s.Link(path, query)
	}
	return o.Link(s.PublicURL, path, query)
}

// orgReader reads an organization: the store, or a transaction.
type orgReader interface {
	Organization(ctx context.Context, id string) (*gatehouse.Organization, error)
}
