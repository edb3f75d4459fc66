// Package factors tells administrators which second steps members can use,
// for many members at once: the member list shows them on every row, and one
// query answers for the whole page (a query per row made the list cost about
// fifty queries a page). It owns its store interface, Store.
package factors

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
)

// Summary is what a member has set up for the second step besides a mobile
// number (which is on the member's row).
type Summary struct {
	App      bool // a confirmed authenticator app
	Passkeys int
}

// Store is the storage of the factor summaries. Package sqlstore implements it.
type Store interface {
	// FactorSummaries returns the summary of each of the organization's
	// members among ids that has an app or a passkey, in one query; members
	// with neither, and ids of no member of the organization, are not in the
	// map.
	FactorSummaries(ctx context.Context, orgID string, ids []string) (map[string]Summary, error)
}

// MaxMembers bounds the members of one call: a page of the member list holds
// at most 100.
const MaxMembers = 500

// Service answers administrators' questions about members' second steps.
type Service struct {
	Store Store
}

// Summaries returns the summaries of the members ids of the organization,
// for an administrator of it. A member missing from the map has no app and
// no passkey.
func (s *Service) Summaries(ctx context.Context, actor gatehouse.Actor, orgID string, ids []string) (map[string]Summary, error) {
	const op = "factors.Summaries"
	if err := gatehouse.RequireAdmin(op, actor, orgID); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return map[string]Summary{}, nil
	}
	if len(ids) > MaxMembers {
		return nil, gatehouse.Errorf(gatehouse.Invalid, op, "At most %d members at once.", MaxMembers)
	}
	m, err := s.Store.FactorSummaries(ctx, orgID, ids)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	return m, nil
}
