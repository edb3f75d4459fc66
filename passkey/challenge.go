package passkey

import (
	"context"
	"encoding/json"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatehouse-auth/gatehouse"
)

// saveChallenge stores the library's session data of a ceremony begun for
// purpose, bound by b, for ChallengeTTL.
func (s *Service) saveChallenge(ctx context.Context, orgID, memberID, purpose string, b Binding, session *webauthn.SessionData) error {
	const op = "passkey.saveChallenge"
	data, err := json.Marshal(session)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	now := s.now()
	c := &Challenge{
		ID: challengeID(session.Challenge), OrgID: orgID, MemberID: memberID, Purpose: purpose,
		Binding: b.hash(), Data: data, CreatedAt: now, ExpiresAt: now.Add(ChallengeTTL),
	}
	if err := s.Store.SaveChallenge(ctx, c); err != nil {
		return gatehouse.Wrap(op, err)
	}
	return nil
}

// takeChallenge takes, once, the challenge that the browser's answer names
// (challenge is its base64url text), if it was begun for purpose by what b
// binds and has not expired.
func (s *Service) takeChallenge(ctx context.Context, orgID, challenge, purpose string, b Binding) (*Challenge, *webauthn.SessionData, error) {
	const op = "passkey.takeChallenge"
	if challenge == "" {
		return nil, nil, ErrExpired
	}
	ch, err := s.Store.TakeChallenge(ctx, orgID, challengeID(challenge), purpose, b.hash(), s.now())
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, nil, ErrExpired
	}
	if err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(ch.Data, &session); err != nil {
		return nil, nil, gatehouse.Wrap(op, err)
	}
	if session.Challenge != challenge {
		return nil, nil, ErrExpired
	}
	return ch, &session, nil
}
