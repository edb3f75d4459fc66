package passkey

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/gatehouse-auth/gatehouse"
)

// Form fields of the passkey pages.
const (
	FieldName            = "name"
	FieldCurrentPassword = "current_password"
	FieldResponse        = "response"
)

// MaxNameLength bounds the name of a passkey, in characters.
const MaxNameLength = 64

// maxPasskeys bounds the passkeys of one member.
const maxPasskeys = 20

// ErrExpired is the answer to a ceremony whose challenge is unknown, used,
// expired or was asked for by another session or browser.
var ErrExpired = &gatehouse.Error{Code: gatehouse.Conflict, Op: "passkey.challenge",
	Message: "That request has expired or was already used. Try again."}

// BeginRegistration checks the member's current password and begins adding a
// passkey: it returns the options for navigator.credentials.create (JSON),
// whose challenge only the session bound by b may answer, within ChallengeTTL.
func (s *Service) BeginRegistration(ctx context.Context, m *gatehouse.Member, password string, b Binding, c gatehouse.Client) ([]byte, error) {
	const op = "passkey.BeginRegistration"
	if err := s.Passwords.Reauthenticate(ctx, m, password, c); err != nil {
		return nil, err
	}
	set, err := s.settings(ctx, s.Store, m.OrgID)
	if err != nil {
		return nil, err
	}
	u, _, err := s.user(ctx, m)
	if err != nil {
		return nil, err
	}
	if len(u.creds) >= maxPasskeys {
		return nil, gatehouse.Errorf(gatehouse.Conflict, op, "You have %d passkeys, the most an account may have. Remove one first.", maxPasskeys)
	}
	w, err := s.relyingParty(&set)
	if err != nil {
		return nil, err
	}
	creation, session, err := w.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: protocol.VerificationPreferred,
		}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation),
		webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()))
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if err := s.saveChallenge(ctx, m.OrgID, m.ID, PurposeRegister, b, session); err != nil {
		return nil, err
	}
	out, err := json.Marshal(creation)
	return out, gatehouse.Wrap(op, err)
}

// FinishRegistration checks the browser's answer to a registration begun for
// m by the session bound by b, and stores the new passkey under name (or the
// default name). The member is emailed.
func (s *Service) FinishRegistration(ctx context.Context, m *gatehouse.Member, b Binding, response []byte, name string, c gatehouse.Client) (*Passkey, error) {
	const op = "passkey.FinishRegistration"
	name, err := checkName(op, name, true)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldResponse, Code: "invalid",
			Message: "The browser's answer could not be read. Try again."})
	}
	ch, session, err := s.takeChallenge(ctx, m.OrgID, parsed.Response.CollectedClientData.Challenge, PurposeRegister, b)
	if err != nil {
		return nil, err
	}
	if ch.MemberID != m.ID {
		return nil, ErrExpired
	}
	set, err := s.settings(ctx, s.Store, m.OrgID)
	if err != nil {
		return nil, err
	}
	u, _, err := s.user(ctx, m)
	if err != nil {
		return nil, err
	}
	w, err := s.relyingParty(&set)
	if err != nil {
		return nil, err
	}
	cred, err := w.CreateCredential(u, *session, parsed)
	if err != nil {
		reason := "invalid_attestation"
		var pe *protocol.Error
		if errors.As(err, &pe) && pe.Type == protocol.ErrPolicyRestriction.Type {
			reason = "authenticator_not_allowed"
		}
		_ = s.audit(ctx, s.Store, EventRefused, m.OrgID, gatehouse.MemberActor(m), m.ID, c,
			map[string]string{"purpose": PurposeRegister, "reason": reason, "error": err.Error()})
		if reason == "authenticator_not_allowed" {
			return nil, gatehouse.Errorf(gatehouse.Forbidden, op, "Your organization does not allow passkeys from this authenticator.")
		}
		return nil, gatehouse.Errorf(gatehouse.Invalid, op, "The passkey could not be checked. Try again.")
	}
	aaguid := uuid.Nil.String()
	if id, err := uuid.FromBytes(cred.Authenticator.AAGUID); err == nil {
		aaguid = id.String()
	}
	if name == "" {
		name = DefaultName(aaguid, c.UserAgent)
	}
	record, err := json.Marshal(cred)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	now := s.now()
	p := &Passkey{
		ID: gatehouse.NewID(s.rand()), OrgID: m.OrgID, MemberID: m.ID,
		CredentialID: base64.RawURLEncoding.EncodeToString(cred.ID), Name: name, AAGUID: aaguid,
		Credential: record, SignCount: cred.Authenticator.SignCount,
		BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState,
		UserVerified: cred.Flags.UserVerified, CreatedAt: now,
	}
	err = s.Store.PasskeyTx(ctx, func(tx Store) error {
		if err := tx.CreatePasskey(ctx, p); err != nil {
			if gatehouse.IsCode(err, gatehouse.Conflict) {
				return gatehouse.Errorf(gatehouse.Conflict, op, "This passkey is already registered.")
			}
			return gatehouse.Wrap(op, err)
		}
		actor := gatehouse.MemberActor(m)
		if err := s.audit(ctx, tx, EventAdded, m.OrgID, actor, m.ID, c,
			map[string]string{"passkey": p.ID, "name": p.Name, "aaguid": p.AAGUID}); err != nil {
			return err
		}
		return s.notify(ctx, tx, &set, m, actor, c, gatehouse.Change{What: gatehouse.ChangePasskey, New: p.Name})
	})
	if err != nil {
		return nil, err
	}
	s.kick()
	return p, nil
}

// checkName trims and checks the name of a passkey; "" is allowed when
// optional (the default name is given).
func checkName(op, name string, optional bool) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "" && !optional:
		return "", gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldName, Code: "required", Message: "Give the passkey a name."})
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLength:
		return "", gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldName, Code: "too_long",
			Message: "A passkey's name may have at most 64 characters."})
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "", gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldName, Code: "invalid", Message: "The name may not contain control characters."})
		}
	}
	return name, nil
}

// user returns m as the library sees it, with the passkeys' records as the
// database holds them now (counter and backup state from their columns).
func (s *Service) user(ctx context.Context, m *gatehouse.Member) (*user, []*Passkey, error) {
	list, err := s.Store.Passkeys(ctx, m.OrgID, m.ID)
	if err != nil {
		return nil, nil, gatehouse.Wrap("passkey.user", err)
	}
	u := &user{m: m}
	for _, p := range list {
		cred, err := p.record()
		if err != nil {
			return nil, nil, err
		}
		u.creds = append(u.creds, *cred)
	}
	return u, list, nil
}

// record returns the library's credential, with the counter and backup state
// of the columns.
func (p *Passkey) record() (*webauthn.Credential, error) {
	var cred webauthn.Credential
	if err := json.Unmarshal(p.Credential, &cred); err != nil {
		return nil, gatehouse.Wrap("passkey.record", err)
	}
	cred.Authenticator.SignCount = p.SignCount
	cred.Authenticator.CloneWarning = false
	cred.Flags.BackupEligible, cred.Flags.BackupState = p.BackupEligible, p.BackupState
	return &cred, nil
}
