package signin

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// stageAfterPassword decides what a new session still needs once the member's
// password was verified at sign-in: the second factor when the organization
// asks the member for one (see secondFactorNeeded) and the browser is not
// trusted for them, then the setup of a second factor for an administrator
// who has none that counts (adminfactor.go), then a renewal when the password
// expired or was flagged, else nothing. deviceCookie is the browser's trusted-browser cookie ("" when
// none); the trusted device it names, if it let the member skip the second
// factor, is returned so that the sign-in can record its use.
func (s *Service) stageAfterPassword(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings, now time.Time, deviceCookie string) (gatehouse.Stage, *gatehouse.TrustedDevice, error) {
	need, err := s.secondFactorNeeded(ctx, m, set)
	if err != nil {
		return "", nil, err
	}
	var d *gatehouse.TrustedDevice
	if need {
		if d, err = s.Factors.TrustedDevice(ctx, set, m, deviceCookie, now); err != nil {
			return "", nil, err
		}
		if d == nil {
			st, err := s.pendingStage(ctx, m, set)
			return st, nil, err
		}
	}
	st, err := s.stageAfterProof(ctx, m, set, now)
	return st, d, err
}

// stageAfterReset decides what the session that a completed password reset
// starts (setting reset_signs_in) still needs: the second factor, when the
// member would be asked for one at sign-in, unless reset_requires_second_factor
// is off (S16) and the member is not an administrator under the rule of
// adminfactor.go, which the setting does not lift. The reset has just
// forgotten every trusted browser, and the password is new, so there is
// nothing else.
func (s *Service) stageAfterReset(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings, now time.Time) (gatehouse.Stage, error) {
	if !set.ResetRequiresSecondFactor && !set.AdminSecondFactor(m) {
		return gatehouse.StageActive, nil
	}
	need, err := s.secondFactorNeeded(ctx, m, set)
	if err != nil || !need {
		return gatehouse.StageActive, err
	}
	return s.pendingStage(ctx, m, set)
}
