// Package oidc is Gatehouse's OpenID Connect provider: the clients an
// organization registers, the authorization code flow with PKCE, ID tokens
// signed with keys kept in the database, refresh tokens that rotate on every
// use, revocation, and RP-initiated and back-channel logout. It holds the
// rules; package web speaks HTTP for it and package sqlstore stores for it.
// Sign-in itself is not here: the member signs in through Gatehouse's own
// pages, and web hands the signed-in session to Provider.Continue.
package oidc

import (
	"context"
	"io"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/go-jose/go-jose/v4"
)

// Client is an application registered to sign its users in through Gatehouse.
type Client struct {
	ID    string
	OrgID string
	Name  string
	// SecretHash is the SHA-256 of the client secret ("" for a public client).
	// OldSecretHash stays valid until OldSecretUntil after a rotation.
	SecretHash     string
	OldSecretHash  string
	OldSecretUntil time.Time
	RedirectURIs   []string
	PostLogoutURIs []string
	// BackchannelLogoutURI receives a logout token when a member's session
	// with the application ends ("" for none).
	BackchannelLogoutURI string
	// Public clients (single-page and native apps) have no secret and must use PKCE.
	Public bool
	// FirstParty clients are the organization's own: no consent page.
	FirstParty bool
	// Offline clients get a refresh token without asking for offline_access.
	Offline   bool
	CreatedAt time.Time
}

// AuthRequest is an authorization request kept server-side while the member
// signs in, so that any replica can resume it.
type AuthRequest struct {
	ID          string
	OrgID       string
	ClientID    string
	RedirectURI string
	Scope       string
	State       string
	Nonce       string
	Challenge   string // the PKCE S256 code_challenge
	Prompt      string
	LoginHint   string
	MaxAge      int // seconds; -1 when not asked
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Code is an authorization code: single-use, short-lived, stored hashed.
type Code struct {
	Hash        string
	OrgID       string
	ClientID    string
	MemberID    string
	RedirectURI string
	Scope       string
	Nonce       string
	Challenge   string
	SessionID   string // the Gatehouse session that signed in (the ID token's sid)
	AMR         string // space-separated authentication methods
	// GrantID is chosen with the code, so that a second use of the code can
	// revoke what the first one obtained.
	GrantID   string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// Grant is what one code obtained: the family of every access and refresh
// token that descends from it. Revoking it ends them all.
type Grant struct {
	ID        string
	OrgID     string
	ClientID  string
	MemberID  string
	Scope     string
	SessionID string
	AMR       string
	AuthTime  time.Time
	CreatedAt time.Time
}

// Token kinds.
const (
	KindAccess  = "access"
	KindRefresh = "refresh"
)

// Token is an opaque access or refresh token, stored hashed.
type Token struct {
	Hash      string
	GrantID   string
	Kind      string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // a refresh token that has been exchanged
}

// Logout is a back-channel logout token waiting to be delivered to a client.
type Logout struct {
	ID        string
	OrgID     string
	ClientID  string
	MemberID  string
	SessionID string
	CreatedAt time.Time
	Attempts  int
}

// ClientStore keeps clients and the consents members gave them.
type ClientStore interface {
	CreateOIDCClient(ctx context.Context, c *Client) error
	OIDCClient(ctx context.Context, orgID, id string) (*Client, error)
	OIDCClients(ctx context.Context, orgID string) ([]*Client, error)
	SetOIDCClientSecret(ctx context.Context, orgID, id, hash, oldHash string, oldUntil time.Time) error
	// UpdateOIDCClient writes the client's name, URIs and flags (not its
	// secret, kind or creation).
	UpdateOIDCClient(ctx context.Context, c *Client) error
	DeleteOIDCClient(ctx context.Context, orgID, id string) error
	// OIDCConsent returns the scopes the member consented to for the client ("" when none).
	OIDCConsent(ctx context.Context, orgID, memberID, clientID string) (string, error)
	SaveOIDCConsent(ctx context.Context, orgID, memberID, clientID, scope string, at time.Time) error
}

// GrantStore keeps authorization requests, codes, grants and tokens.
type GrantStore interface {
	SaveOIDCRequest(ctx context.Context, r *AuthRequest) error
	OIDCRequest(ctx context.Context, orgID, id string) (*AuthRequest, error)
	DeleteOIDCRequest(ctx context.Context, orgID, id string) error
	CreateOIDCCode(ctx context.Context, c *Code) error
	// UseOIDCCode marks the code used at now and returns it. A code already
	// used is returned with its UsedAt and a Conflict error; an unknown code
	// is NotFound.
	UseOIDCCode(ctx context.Context, hash string, now time.Time) (*Code, error)
	// CreateOIDCGrant stores the grant and its first tokens.
	CreateOIDCGrant(ctx context.Context, g *Grant, tokens ...*Token) error
	// OIDCToken returns a token and its grant; NotFound when either is gone.
	OIDCToken(ctx context.Context, hash string) (*Token, *Grant, error)
	// RotateOIDCRefresh marks the refresh token used and stores its successors,
	// in one transaction; it reports false (and stores nothing) when the
	// token had been used already.
	RotateOIDCRefresh(ctx context.Context, hash string, now time.Time, next ...*Token) (bool, error)
	DeleteOIDCToken(ctx context.Context, hash string) error
	// RevokeOIDCGrant deletes the grant and every token of it.
	RevokeOIDCGrant(ctx context.Context, orgID, id string) error
	// RevokeOIDCSession deletes the grants obtained through the Gatehouse
	// session sid and queues a back-channel logout for each client of them that
	// registered a back-channel URI; it returns the grants.
	RevokeOIDCSession(ctx context.Context, orgID, memberID, sid string, at time.Time) ([]*Grant, error)
}

// KeyStore keeps the signing keys, sealed under a server key.
type KeyStore interface {
	OIDCKeys(ctx context.Context, orgID string) ([]*Key, error)
	AddOIDCKey(ctx context.Context, k *Key) error
	DeleteOIDCKey(ctx context.Context, orgID, id string) error
	// OIDCKeyOrgs returns the organizations that have signing keys: those
	// the rotation looks after (the others get their first key on first use).
	OIDCKeyOrgs(ctx context.Context) ([]string, error)
	// ServerKey returns a key shared by replicas, created on first use.
	ServerKey(ctx context.Context, name string, size int) ([]byte, error)
}

// LogoutQueue holds the back-channel logouts to deliver.
type LogoutQueue interface {
	// DueOIDCLogouts claims for worker, until now+lease, up to limit logouts
	// due at now.
	DueOIDCLogouts(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]*Logout, error)
	// FinishOIDCLogout ends a delivery (done) or schedules the next try at
	// next, while worker still holds the claim.
	FinishOIDCLogout(ctx context.Context, id, worker string, done bool, next time.Time, lastErr string) error
}

// AuditLog is where the provider records security events.
type AuditLog interface {
	AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error
}

// Directory is what the provider reads of members, their audit log and
// their organization's settings.
type Directory interface {
	AuditLog
	Member(ctx context.Context, orgID, id string) (*gatehouse.Member, error)
	AuditEvents(ctx context.Context, orgID string, f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, string, error)
	// Settings returns the organization's stored settings.
	Settings(ctx context.Context, orgID string) (map[string]string, error)
}

// Orgs finds an organization, whose public URL is its issuer.
type Orgs interface {
	Organization(ctx context.Context, id string) (*gatehouse.Organization, error)
}

// Defaults of the Provider's lifetimes.
const (
	DefaultAccessTTL   = 10 * time.Minute
	DefaultIDTokenTTL  = time.Hour
	DefaultRefreshTTL  = 30 * 24 * time.Hour
	DefaultCodeTTL     = time.Minute
	DefaultRequestTTL  = 30 * time.Minute
	DefaultKeyRotation = 30 * 24 * time.Hour
	DefaultSecretGrace = 24 * time.Hour
)

// Provider is the OpenID Connect provider of every organization: the
// authorization, token, userinfo and revocation endpoints' rules. The
// registered applications (Clients), the signing keys and issuers (Keys) and
// logout (Logouts) are types of their own, which the Provider uses.
type Provider struct {
	Clients *Clients
	Keys    *Keys
	Logouts *Logouts
	Grants  GrantStore
	Members Directory
	// AccessTTL is the installation's access-token lifetime, for the
	// organizations whose setting oidc_access_token_ttl is 0 (zero: 10 minutes).
	AccessTTL time.Duration
	// Lifetimes; zero means the default.
	RefreshTTL, CodeTTL time.Duration
	Now                 func() time.Time
	Rand                io.Reader
}

// open refuses the endpoints of a suspended organization that show or grant
// anything: discovery, keys, authorization, tokens and userinfo
// (gatehouse.RequireActiveOrg), whoever calls. Revocation and logout, which
// only take access away, go on. Nothing is deleted: resuming the organization
// makes its grants work again.
func (p *Provider) open(ctx context.Context, op, orgID string) error {
	o, err := p.Keys.Orgs.Organization(ctx, orgID)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	return gatehouse.RequireActiveOrg(op, o)
}

// JWKS is the organization's public signing keys, refused while it is
// suspended (Keys.JWKS itself serves logout's id_token_hint regardless).
func (p *Provider) JWKS(ctx context.Context, orgID string) (*jose.JSONWebKeySet, error) {
	if err := p.open(ctx, "oidc.JWKS", orgID); err != nil {
		return nil, err
	}
	return p.Keys.JWKS(ctx, orgID)
}

// Issuer is the issuer identifier of the organization: its public URL.
func (p *Provider) Issuer(ctx context.Context, orgID string) (string, error) {
	return p.Keys.Issuer(ctx, orgID)
}

func (p *Provider) now() time.Time { return now(p.Now) }

func now(f func() time.Time) time.Time {
	if f != nil {
		return f()
	}
	return time.Now()
}

func dur(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (p *Provider) refreshTTL() time.Duration { return dur(p.RefreshTTL, DefaultRefreshTTL) }

// accessTTL is the organization's access-token lifetime: its setting
// oidc_access_token_ttl when not 0, else the installation's (AccessTTL), else
// 10 minutes.
func (p *Provider) accessTTL(ctx context.Context, orgID string) (time.Duration, error) {
	stored, err := p.Members.Settings(ctx, orgID)
	if err != nil {
		return 0, gatehouse.Wrap("oidc.accessTTL", err)
	}
	set := gatehouse.LoadSettings(stored)
	return dur(set.OIDCAccessTokenTTL, dur(p.AccessTTL, DefaultAccessTTL)), nil
}

// audit records a security event in log.
func audit(ctx context.Context, log AuditLog, r io.Reader, at time.Time, t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) error {
	e := &gatehouse.AuditEvent{
		ID: gatehouse.NewID(r), OrgID: orgID, At: at, Type: t, ActorKind: actor.Kind, ActorID: actor.ID, ActorName: actor.Name,
		MemberID: memberID, IP: c.IP, UserAgent: c.UserAgent, RequestID: c.RequestID, Details: details,
	}
	if err := log.AddAudit(ctx, e); err != nil {
		return gatehouse.Wrap("oidc.audit", err)
	}
	return nil
}

func (p *Provider) audit(ctx context.Context, t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) error {
	return audit(ctx, p.Members, p.Rand, p.now(), t, orgID, actor, memberID, c, details)
}

// Audit event types of the provider.
const (
	EventClientCreated   gatehouse.EventType = "oidc.client_created"
	EventClientUpdated   gatehouse.EventType = "oidc.client_updated"
	EventClientDeleted   gatehouse.EventType = "oidc.client_deleted"
	EventSecretRotated   gatehouse.EventType = "oidc.client_secret_rotated"
	EventAuthorized      gatehouse.EventType = "oidc.authorized"
	EventConsent         gatehouse.EventType = "oidc.consent"
	EventTokenIssued     gatehouse.EventType = "oidc.token_issued"
	EventTokenRefused    gatehouse.EventType = "oidc.token_refused"
	EventRefreshReused   gatehouse.EventType = "oidc.refresh_reused"
	EventTokenRevoked    gatehouse.EventType = "oidc.token_revoked"
	EventLogout          gatehouse.EventType = "oidc.logout"
	EventKeyRotated      gatehouse.EventType = "oidc.key_rotated"
	EventLogoutFailed    gatehouse.EventType = "oidc.backchannel_failed"
	EventLogoutDelivered gatehouse.EventType = "oidc.backchannel_delivered"
)
