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

// StageAfterReset decides, before the reset's transaction, what the session
// a completed reset signs the member in with will still need (see
// stageAfterReset). It reads the member's second factors outside the
// transaction: inside it, on another connection, the read could wait for a
// connection that requests queued on the member's row all hold.
func (s *Service) StageAfterReset(ctx context.Context, m *gatehouse.Member, set *gatehouse.Settings) (gatehouse.Stage, error) {
	return s.stageAfterReset(ctx, m, set, s.now())
}

// SignInAfterReset starts the session a completed password reset signs the
// member in with (setting reset_signs_in), through tx, the reset's
// transaction: at stage (StageAfterReset), marked AfterReset, and recorded as
// a sign-in unless the second factor is still to come.
func (s *Service) SignInAfterReset(ctx context.Context, tx gatehouse.Store, m *gatehouse.Member, set *gatehouse.Settings, stage gatehouse.Stage, c gatehouse.Client) (string, *gatehouse.Session, error) {
	const op = "account.SignInAfterReset"
	raw, sess, err := s.startSession(ctx, tx, m, set, stage, c)
	if err != nil {
		return "", nil, err
	}
	sess.AfterReset = true
	if err := tx.UpdateSession(ctx, sess); err != nil {
		return "", nil, gatehouse.Wrap(op, err)
	}
	if err := recordSignIn(ctx, tx, m, stage, sess.CreatedAt); err != nil {
		return "", nil, err
	}
	return raw, sess, nil
}
