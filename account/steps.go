package account

import (
	"context"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// The steps that other features share with the member's own use cases: an
// administrator setting a password goes through the same SetPassword as the
// member changing it, so the policy, the history, the links that end and the
// notice cannot differ. Each step that writes takes the caller's transaction
// as a StepStore.

// StepStore is gatehouse.StepStore: what the shared steps write and read
// through, the caller's transaction or the store itself.
type StepStore = gatehouse.StepStore

// Wake wakes the sender after a transaction that queued messages committed.
func (s *Service) Wake() { s.kick() }

// RevokeLinks ends the member's outstanding reset and activation links: once a
// password was set, by whatever route, no link sent before may set it again.
// An owner with a password also ends the organization's setup links, which
// exist to create the first owner; CompleteSetup refuses them once there is
// one, and ending them says so in the tokens table too.
func (s *Service) RevokeLinks(ctx context.Context, tx StepStore, m *gatehouse.Member) error {
	now := s.now()
	for _, p := range []gatehouse.TokenPurpose{gatehouse.PurposeReset, gatehouse.PurposeActivation} {
		if _, err := tx.RevokeTokens(ctx, m.OrgID, m.ID, p, now); err != nil {
			return gatehouse.Wrap("account.RevokeLinks", err)
		}
	}
	if m.Role == gatehouse.RoleOwner {
		if _, err := tx.RevokeTokens(ctx, m.OrgID, "", gatehouse.PurposeSetup, now); err != nil {
			return gatehouse.Wrap("account.RevokeLinks", err)
		}
	}
	return nil
}

// IssueActivation creates an activation token for m (superseding earlier ones),
// queues the activation email and returns the link.
func (s *Service) IssueActivation(ctx context.Context, tx StepStore, set *gatehouse.Settings, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client) (string, error) {
	const op = "account.IssueActivation"
	now := s.now()
	if _, err := tx.RevokeTokens(ctx, m.OrgID, m.ID, gatehouse.PurposeActivation, now); err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	raw, hash, err := secret.NewToken(s.rand())
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	t := &gatehouse.Token{Hash: hash, OrgID: m.OrgID, MemberID: m.ID, Purpose: gatehouse.PurposeActivation,
		CreatedAt: now, ExpiresAt: now.Add(set.ActivationLinkTTL), SentTo: m.ContactEmail()}
	if err := tx.CreateToken(ctx, t); err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	link := s.linkVia(ctx, tx, m.OrgID, "/activate", url.Values{"token": {raw}})
	if err := s.queueEmail(ctx, tx, set, m, gatehouse.KindActivation, gatehouse.MessageData{
		Link: link, ValidFor: set.ActivationLinkTTL, At: now, IP: c.IP,
	}); err != nil {
		return "", err
	}
	if err := s.audit(ctx, tx, event(gatehouse.EventActivationSent, m.OrgID, actor, m.ID, c,
		map[string]string{"valid_for": gatehouse.FormatDuration(set.ActivationLinkTTL)})); err != nil {
		return "", err
	}
	return link, nil
}

// ForgetDevices forgets every trusted browser of m through tx and audits it
// when there were any. Every change of password or second factor calls it.
func (s *Service) ForgetDevices(ctx context.Context, tx StepStore, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client, reason string) (int, error) {
	n, err := tx.DeleteTrustedDevices(ctx, m.OrgID, m.ID)
	if err != nil {
		return 0, gatehouse.Wrap("account.ForgetDevices", err)
	}
	if n == 0 {
		return 0, nil
	}
	return n, s.audit(ctx, tx, event(gatehouse.EventDeviceRevoked, m.OrgID, actor, m.ID, c,
		map[string]string{"count": itoa(n), "reason": reason}))
}

// Reasons recorded when trusted browsers are revoked.
const (
	RevokedByMember     = "member"
	RevokedPassword     = "password"
	RevokedSecondFactor = "second_factor_changed"
	RevokedEverywhere   = "sign_out_everywhere"
	// RevokedByAdministrator: an administrator ended all of the member's sessions.
	RevokedByAdministrator = "administrator_ended_sessions"
	// RevokedAccount prefixes the state of an account that can no longer sign
	// in: "account_disabled", "account_expired".
	RevokedAccount = "account_"
	// RevokedRoleChanged: the member became an administrator or an owner.
	RevokedRoleChanged = "role_changed"
)
