package passkey

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/outbox"
)

// Reauthenticator checks a signed-in member's current password, with the
// throttling of sign-ins (account.Service does).
type Reauthenticator interface {
	Reauthenticate(ctx context.Context, m *gatehouse.Member, password string, c gatehouse.Client) error
}

// Service holds the passkey use cases. Store, Outbox, PublicURL and
// Passwords must be set; Now and Rand have working defaults.
type Service struct {
	Store Store
	// Outbox composes, queues and sends on the security notices.
	Outbox *outbox.Outbox
	// PublicURL gives the relying party id (its host name) and the one origin
	// accepted (scheme, host and port). A request's Host header never counts.
	PublicURL *url.URL
	Passwords Reauthenticator
	Now       func() time.Time
	Rand      io.Reader
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

// kick wakes the sender after a transaction that queued a notice committed.
func (s *Service) kick() { s.Outbox.Wake() }

// RelyingParty returns the relying party id and origin, from PublicURL.
func (s *Service) RelyingParty() (id, origin string) {
	u := s.PublicURL
	return u.Hostname(), u.Scheme + "://" + u.Host
}

// settings reads the organization's settings.
func (s *Service) settings(ctx context.Context, st Store, orgID string) (gatehouse.Settings, error) {
	stored, err := st.Settings(ctx, orgID)
	if err != nil {
		return gatehouse.Settings{}, gatehouse.Wrap("passkey.settings", err)
	}
	return gatehouse.LoadSettings(stored), nil
}

// Settings is what the pages need to know of the organization's settings.
func (s *Service) SignInAllowed(ctx context.Context, orgID string) (bool, error) {
	set, err := s.settings(ctx, s.Store, orgID)
	return set.PasskeySignIn, err
}

// relyingParty builds the library's relying party for the organization.
// Attestation is not asked for ("none"): the allow-list of authenticator
// models, when set, is checked on the AAGUID the authenticator reports.
func (s *Service) relyingParty(set *gatehouse.Settings) (*webauthn.WebAuthn, error) {
	id, origin := s.RelyingParty()
	cfg := &webauthn.Config{
		RPID: id, RPDisplayName: set.OrganizationName, RPOrigins: []string{origin},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: ChallengeTTL, TimeoutUVD: ChallengeTTL},
			Registration: webauthn.TimeoutConfig{Timeout: ChallengeTTL, TimeoutUVD: ChallengeTTL},
		},
	}
	if ids := AllowedAAGUIDs(set.PasskeyAAGUIDs); len(ids) > 0 {
		cfg.Filtering = &webauthn.FilteringConfig{PermittedAAGUIDs: ids}
	}
	w, err := webauthn.New(cfg)
	if err != nil {
		return nil, gatehouse.Wrap("passkey.relyingParty", err)
	}
	return w, nil
}

// AllowedAAGUIDs parses the setting passkey_aaguids: AAGUIDs separated by
// commas, spaces or new lines. Values that are not AAGUIDs are left out (the
// setting refuses them when it is saved).
func AllowedAAGUIDs(v string) []uuid.UUID {
	var out []uuid.UUID
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		if id, err := uuid.Parse(f); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// user is a member as the library sees one. The user handle is the member id:
// random, and no personal data.
type user struct {
	m     *gatehouse.Member
	creds []webauthn.Credential
}

func (u *user) WebAuthnID() []byte   { return []byte(u.m.ID) }
func (u *user) WebAuthnName() string { return u.m.Username }
func (u *user) WebAuthnDisplayName() string {
	if u.m.DisplayName != "" {
		return u.m.DisplayName
	}
	return u.m.Username
}
func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// Binding names what a challenge is bound to.
type Binding string

// SessionBinding binds a challenge to a session (by its id, which survives the
// rotation of its secret).
func SessionBinding(sessionID string) Binding { return Binding("session:" + sessionID) }

// BrowserBinding binds a challenge to a browser by a random value in a cookie,
// before there is a session.
func BrowserBinding(cookie string) Binding { return Binding("browser:" + cookie) }

func (b Binding) hash() string {
	h := sha256.Sum256([]byte(b))
	return hex.EncodeToString(h[:])
}

func challengeID(challenge string) string {
	h := sha256.Sum256([]byte(challenge))
	return hex.EncodeToString(h[:])
}

// audit writes an event through st.
func (s *Service) audit(ctx context.Context, st Store, t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) error {
	e := &gatehouse.AuditEvent{
		ID: gatehouse.NewID(s.rand()), OrgID: orgID, At: s.now(), Type: t,
		ActorKind: actor.Kind, ActorID: actor.ID, ActorName: clean(actor.Name, 256),
		MemberID: memberID, IP: c.IP, UserAgent: clean(c.UserAgent, 256), RequestID: clean(c.RequestID, 64),
		Details: details,
	}
	for k, v := range e.Details {
		e.Details[k] = clean(v, 256)
	}
	if err := st.AddAudit(ctx, e); err != nil {
		return gatehouse.Wrap("passkey.audit", err)
	}
	return nil
}

// clean makes client text storable in every database: valid UTF-8, no NUL
// or other control characters, at most n bytes.
func clean(v string, n int) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, v)
	if len(v) <= n {
		return v
	}
	for n > 0 && v[n]&0xC0 == 0x80 {
		n--
	}
	return v[:n]
}
