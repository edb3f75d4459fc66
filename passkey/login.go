package passkey

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatehouse-auth/gatehouse"
)

// ErrRefused is the answer to an assertion that does not prove a passkey of
// the member: a wrong signature, origin or relying party, another member's
// passkey, a counter that went back, an authenticator that did not verify
// the user when it had to.
var ErrRefused = &gatehouse.Error{Code: gatehouse.Unauthorized, Op: "passkey.verify",
	Message: "That passkey was not accepted. Try again, or choose another way."}

// BeginSecondFactor begins the second factor of a sign-in with one of m's
// passkeys, for the session bound by b. It returns the options for
// navigator.credentials.get (JSON); NotFound when m has no passkey.
func (s *Service) BeginSecondFactor(ctx context.Context, m *gatehouse.Member, b Binding) ([]byte, error) {
	const op = "passkey.BeginSecondFactor"
	set, err := s.settings(ctx, s.Store, m.OrgID)
	if err != nil {
		return nil, err
	}
	u, _, err := s.user(ctx, m)
	if err != nil {
		return nil, err
	}
	if len(u.creds) == 0 {
		return nil, gatehouse.Errorf(gatehouse.NotFound, op, "You have no passkey.")
	}
	w, err := s.relyingParty(&set)
	if err != nil {
		return nil, err
	}
	uv := protocol.VerificationPreferred
	if set.PasskeyUVSecondFactor {
		uv = protocol.VerificationRequired
	}
	assertion, session, err := w.BeginLogin(u, webauthn.WithUserVerification(uv))
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if err := s.saveChallenge(ctx, m.OrgID, m.ID, PurposeSecondFactor, b, session); err != nil {
		return nil, err
	}
	out, err := json.Marshal(assertion)
	return out, gatehouse.Wrap(op, err)
}

// VerifySecondFactor checks an assertion that answers the challenge of
// BeginSecondFactor for m, and records the passkey's use. It returns the
// passkey used.
func (s *Service) VerifySecondFactor(ctx context.Context, m *gatehouse.Member, b Binding, response []byte, c gatehouse.Client) (*Passkey, error) {
	parsed, err := parseAssertion(response)
	if err != nil {
		return nil, err
	}
	ch, session, err := s.takeChallenge(ctx, m.OrgID, parsed.Response.CollectedClientData.Challenge, PurposeSecondFactor, b)
	if err != nil {
		_ = s.refused(ctx, m.OrgID, m, c, PurposeSecondFactor, "challenge", nil)
		return nil, err
	}
	if ch.MemberID != m.ID {
		_ = s.refused(ctx, m.OrgID, m, c, PurposeSecondFactor, "challenge", nil)
		return nil, ErrExpired
	}
	set, err := s.settings(ctx, s.Store, m.OrgID)
	if err != nil {
		return nil, err
	}
	u, list, err := s.user(ctx, m)
	if err != nil {
		return nil, err
	}
	w, err := s.relyingParty(&set)
	if err != nil {
		return nil, err
	}
	cred, err := w.ValidateLogin(u, *session, parsed)
	if err != nil {
		return nil, s.refused(ctx, m.OrgID, m, c, PurposeSecondFactor, refusal(err), err)
	}
	return s.use(ctx, m, list, cred, parsed.Response.AuthenticatorData.Counter, c, PurposeSecondFactor)
}

// BeginSignIn begins a sign-in with a passkey alone, for the browser bound by
// b: discoverable credentials (the browser offers the member's passkeys) and
// user verification required. It returns the options for
// navigator.credentials.get; Forbidden when the organization does not allow it.
func (s *Service) BeginSignIn(ctx context.Context, orgID string, b Binding) ([]byte, error) {
	const op = "passkey.BeginSignIn"
	set, err := s.settings(ctx, s.Store, orgID)
	if err != nil {
		return nil, err
	}
	if !set.PasskeySignIn {
		return nil, gatehouse.Errorf(gatehouse.Forbidden, op, "Signing in with a passkey alone is turned off. Sign in with your password.")
	}
	w, err := s.relyingParty(&set)
	if err != nil {
		return nil, err
	}
	assertion, session, err := w.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if err := s.saveChallenge(ctx, orgID, "", PurposeSignIn, b, session); err != nil {
		return nil, err
	}
	out, err := json.Marshal(assertion)
	return out, gatehouse.Wrap(op, err)
}

// VerifySignIn checks an assertion that answers the challenge of BeginSignIn
// and returns the member whose passkey it is, and the passkey. The caller
// checks the member's state and starts the session.
func (s *Service) VerifySignIn(ctx context.Context, orgID string, b Binding, response []byte, c gatehouse.Client) (*gatehouse.Member, *Passkey, error) {
	const op = "passkey.VerifySignIn"
	set, err := s.settings(ctx, s.Store, orgID)
	if err != nil {
		return nil, nil, err
	}
	if !set.PasskeySignIn {
		return nil, nil, gatehouse.Errorf(gatehouse.Forbidden, op, "Signing in with a passkey alone is turned off. Sign in with your password.")
	}
	parsed, err := parseAssertion(response)
	if err != nil {
		return nil, nil, err
	}
	_, session, err := s.takeChallenge(ctx, orgID, parsed.Response.CollectedClientData.Challenge, PurposeSignIn, b)
	if err != nil {
		_ = s.refused(ctx, orgID, nil, c, PurposeSignIn, "challenge", nil)
		return nil, nil, err
	}
	var (
		owner *gatehouse.Member
		list  []*Passkey
	)
	// The browser names the passkey (its id) and the account it was made for
	// (the user handle): both must agree with what is stored.
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		p, err := s.Store.PasskeyByCredential(ctx, orgID, base64.RawURLEncoding.EncodeToString(rawID))
		if err != nil {
			return nil, err
		}
		if string(userHandle) != p.MemberID {
			return nil, errors.New("the user handle is not the passkey's member")
		}
		m, err := s.Store.Member(ctx, orgID, p.MemberID)
		if err != nil {
			return nil, err
		}
		u, l, err := s.user(ctx, m)
		if err != nil {
			return nil, err
		}
		owner, list = m, l
		return u, nil
	}
	w, err := s.relyingParty(&set)
	if err != nil {
		return nil, nil, err
	}
	_, cred, err := w.ValidatePasskeyLogin(handler, *session, parsed)
	if err != nil {
		if gatehouse.IsCode(err, gatehouse.Unavailable) {
			return nil, nil, err
		}
		return nil, nil, s.refused(ctx, orgID, owner, c, PurposeSignIn, refusal(err), err)
	}
	p, err := s.use(ctx, owner, list, cred, parsed.Response.AuthenticatorData.Counter, c, PurposeSignIn)
	if err != nil {
		return nil, nil, err
	}
	return owner, p, nil
}

// refused audits a refused assertion and returns ErrRefused.
func (s *Service) refused(ctx context.Context, orgID string, m *gatehouse.Member, c gatehouse.Client, purpose, reason string, cause error) error {
	actor, memberID := gatehouse.Actor{Kind: gatehouse.ActorSystem, Name: "anonymous"}, ""
	if m != nil {
		actor, memberID = gatehouse.MemberActor(m), m.ID
	}
	details := map[string]string{"purpose": purpose, "reason": reason}
	if cause != nil {
		details["error"] = cause.Error()
	}
	if err := s.audit(ctx, s.Store, EventRefused, orgID, actor, memberID, c, details); err != nil {
		return err
	}
	return ErrRefused
}

// refusal names the reason of a failed validation for the audit log.
func refusal(err error) string {
	var unknown *protocol.ErrorUnknownCredential
	if errors.As(err, &unknown) {
		return "not_this_members_passkey"
	}
	return "invalid_assertion"
}

func parseAssertion(response []byte) (*protocol.ParsedCredentialAssertionData, error) {
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, gatehouse.InvalidFields("passkey.parseAssertion", gatehouse.FieldError{Field: FieldResponse, Code: "invalid",
			Message: "The browser's answer could not be read. Try again."})
	}
	return parsed, nil
}

// use checks the counter of the passkey that cred proved and records its use,
// once: of two uses with one counter value only one passes. presented is the
// counter the authenticator sent.
func (s *Service) use(ctx context.Context, m *gatehouse.Member, list []*Passkey, cred *webauthn.Credential, presented uint32, c gatehouse.Client, purpose string) (*Passkey, error) {
	const op = "passkey.use"
	var p *Passkey
	for _, x := range list {
		if id, err := base64.RawURLEncoding.DecodeString(x.CredentialID); err == nil && bytes.Equal(id, cred.ID) {
			p = x
		}
	}
	if p == nil {
		return nil, s.refused(ctx, m.OrgID, m, c, purpose, "not_this_members_passkey", nil)
	}
	if cred.Authenticator.CloneWarning {
		_ = s.audit(ctx, s.Store, EventCloneSuspected, m.OrgID, gatehouse.MemberActor(m), m.ID, c, map[string]string{
			"passkey": p.ID, "name": p.Name, "stored_counter": strconv.FormatUint(uint64(p.SignCount), 10),
			"presented_counter": strconv.FormatUint(uint64(presented), 10)})
		return nil, ErrRefused
	}
	now := s.now()
	err := s.Store.UsePasskey(ctx, m.OrgID, p.ID, p.SignCount, cred.Authenticator.SignCount, cred.Flags.BackupState, now)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		// Another use of the same counter value, or a passkey removed meanwhile.
		return nil, s.refused(ctx, m.OrgID, m, c, purpose, "counter_raced", nil)
	}
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	p.SignCount, p.BackupState, p.LastUsedAt = cred.Authenticator.SignCount, cred.Flags.BackupState, now
	return p, nil
}
