package gatehousetest

import "github.com/gatehouse-auth/gatehouse"

// Overwrite returns the change that writes every field of m a change can
// write (all but the id, organization, username and creation time), for tests
// that arrange a member's record in one step. The application itself never
// writes a whole row: each use case names the fields it owns (see
// gatehouse.MemberChange).
func Overwrite(m *gatehouse.Member) gatehouse.MemberChange {
	v := *m
	return gatehouse.MemberChange{
		DisplayName: &v.DisplayName, Email: &v.Email, WorkEmail: &v.WorkEmail, Mobile: &v.Mobile,
		Role: &v.Role, State: &v.State, ExpiresAt: &v.ExpiresAt, PasswordHash: &v.PasswordHash,
		PasswordChangedAt: &v.PasswordChangedAt, MustChangePassword: &v.MustChangePassword, MustSetUpSecondFactor: &v.MustSetUpSecondFactor,
		SupportPINHash: &v.SupportPINHash, Language: &v.Language, TimeZone: &v.TimeZone,
		VerifiedMobile: &v.VerifiedMobile, UpdatedAt: v.UpdatedAt,
	}
}
