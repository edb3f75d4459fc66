package recovery

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
)

// NeedsOwner reports whether the organization has no owner yet, so that the
// sign-in page of a fresh installation can say how to create the first one
// (the setup link serve prints) instead of offering a sign-in nobody can use.
func (s *Service) NeedsOwner(ctx context.Context, orgID string) (bool, error) {
	n, err := s.Store.CountMembers(ctx, orgID, gatehouse.RoleOwner, "")
	if err != nil {
		return false, gatehouse.Wrap("recovery.NeedsOwner", err)
	}
	return n == 0, nil
}
