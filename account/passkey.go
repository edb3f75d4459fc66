package account

import (
	"context"

	"github.com/gatehouse-auth/gatehouse"
)

// Reauthenticate checks the current password of a signed-in member before a
// sensitive change made elsewhere (the passkeys of package passkey), with the
// throttling and audit of every other such check.
func (s *Service) Reauthenticate(ctx context.Context, m *gatehouse.Member, password string, c gatehouse.Client) error {
	set, err := s.Settings(ctx, m.OrgID)
	if err != nil {
		return err
	}
	return s.reauthenticate(ctx, &set, "account.Reauthenticate", m, password, c)
}
