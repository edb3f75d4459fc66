package oidc

import (
	"context"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/internal/safehttp"
	"github.com/gatehouse-auth/gatehouse/secret"
)

// NewClient is what an administrator registers.
type NewClient struct {
	Name                 string
	RedirectURIs         []string
	PostLogoutURIs       []string
	BackchannelLogoutURI string
	Public               bool
	FirstParty           bool
	Offline              bool
}

const maxURIs = 20

func mayManage(op string, actor gatehouse.Actor) error {
	if actor.Kind == gatehouse.ActorSystem || actor.Role.IsAdmin() {
		return nil
	}
	return gatehouse.Errorf(gatehouse.Forbidden, op, "Only administrators manage applications.")
}

// checkURI reports why u cannot be registered ("" when it can): an absolute
// https URL without a fragment, or http on a loopback host (a developer's
// machine, a native app's local listener).
func checkURI(u string) string {
	if len(u) > 2000 || !utf8.ValidString(u) {
		return "is too long"
	}
	p, err := url.Parse(u)
	if err != nil || !p.IsAbs() || p.Host == "" {
		return "is not an absolute URL"
	}
	if p.Fragment != "" || strings.Contains(u, "#") {
		return "has a fragment"
	}
	if p.User != nil {
		return "has credentials"
	}
	switch p.Scheme {
	case "https":
		return ""
	case "http":
		h := p.Hostname()
		if h == "localhost" || net.ParseIP(h) != nil && net.ParseIP(h).IsLoopback() {
			return ""
		}
		return "must be https (http is allowed on localhost only)"
	}
	return "must be https"
}

func checkURIs(fields []gatehouse.FieldError, field string, uris []string, required bool) []gatehouse.FieldError {
	if required && len(uris) == 0 {
		return append(fields, gatehouse.FieldError{Field: field, Code: "required", Message: "Enter at least one redirect URI."})
	}
	if len(uris) > maxURIs {
		return append(fields, gatehouse.FieldError{Field: field, Code: "too_many", Message: "At most 20 URIs."})
	}
	for _, u := range uris {
		if why := checkURI(u); why != "" {
			return append(fields, gatehouse.FieldError{Field: field, Code: "invalid", Message: "The URI " + trimTo(u, 80) + " " + why + "."})
		}
	}
	return fields
}

func trimTo(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (n *NewClient) validate(op string, allowPrivate bool) error {
	n.Name = strings.TrimSpace(n.Name)
	n.RedirectURIs, n.PostLogoutURIs = cleanList(n.RedirectURIs), cleanList(n.PostLogoutURIs)
	n.BackchannelLogoutURI = strings.TrimSpace(n.BackchannelLogoutURI)
	var fields []gatehouse.FieldError
	if n.Name == "" || len(n.Name) > 100 || !utf8.ValidString(n.Name) || strings.ContainsAny(n.Name, "\x00\r\n") {
		fields = append(fields, gatehouse.FieldError{Field: "name", Code: "invalid", Message: "Enter a name of at most 100 characters."})
	}
	fields = checkURIs(fields, "redirect_uris", n.RedirectURIs, true)
	fields = checkURIs(fields, "post_logout_redirect_uris", n.PostLogoutURIs, false)
	if n.BackchannelLogoutURI != "" {
		before := len(fields)
		fields = checkURIs(fields, "backchannel_logout_uri", []string{n.BackchannelLogoutURI}, false)
		// Gatehouse posts to it from the server: a public address only
		// (internal/safehttp checks it again when it dials).
		if err := safehttp.CheckURL(n.BackchannelLogoutURI, allowPrivate); len(fields) == before && err != nil {
			fields = append(fields, gatehouse.FieldError{Field: "backchannel_logout_uri", Code: "invalid",
				Message: "The back-channel logout URI cannot be reached: " + err.Error() + "."})
		}
	}
	if len(fields) > 0 {
		return gatehouse.InvalidFields(op, fields...)
	}
	return nil
}

// Clients are the applications organizations register: creating, reading,
// changing and deleting them (administrators only), rotating secrets, and
// authenticating them at the token and revocation endpoints.
type Clients struct {
	Store ClientStore
	Audit AuditLog
	// SecretGrace is how long a rotated secret keeps working (zero: 24 hours).
	SecretGrace time.Duration
	// AllowPrivate lets back-channel logout URIs name private and loopback
	// addresses (tests, closed networks).
	AllowPrivate bool
	Now          func() time.Time
	Rand         io.Reader
}

func (cs *Clients) audit(ctx context.Context, t gatehouse.EventType, orgID string, actor gatehouse.Actor, c gatehouse.Client, details map[string]string) error {
	return audit(ctx, cs.Audit, cs.Rand, now(cs.Now), t, orgID, actor, "", c, details)
}

// Create registers a client and returns it with its secret, which is shown
// this once ("" for a public client).
func (cs *Clients) Create(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID string, n NewClient) (*Client, string, error) {
	const op = "oidc.Clients.Create"
	if err := mayManage(op, actor); err != nil {
		return nil, "", err
	}
	if err := n.validate(op, cs.AllowPrivate); err != nil {
		return nil, "", err
	}
	cl := &Client{
		ID: gatehouse.NewID(cs.Rand), OrgID: orgID, Name: n.Name, RedirectURIs: n.RedirectURIs, PostLogoutURIs: n.PostLogoutURIs,
		BackchannelLogoutURI: n.BackchannelLogoutURI, Public: n.Public, FirstParty: n.FirstParty, Offline: n.Offline, CreatedAt: now(cs.Now),
	}
	var raw string
	if !n.Public {
		var err error
		if raw, cl.SecretHash, err = secret.NewToken(cs.Rand); err != nil {
			return nil, "", gatehouse.Wrap(op, err)
		}
	}
	if err := cs.Store.CreateOIDCClient(ctx, cl); err != nil {
		return nil, "", gatehouse.Wrap(op, err)
	}
	kind := "confidential"
	if cl.Public {
		kind = "public"
	}
	if err := cs.audit(ctx, EventClientCreated, orgID, actor, c, map[string]string{"client_id": cl.ID, "name": cl.Name, "kind": kind}); err != nil {
		return nil, "", err
	}
	return cl, raw, nil
}

// Get returns the organization's client with id.
func (cs *Clients) Get(ctx context.Context, actor gatehouse.Actor, orgID, id string) (*Client, error) {
	const op = "oidc.Clients.Get"
	if err := mayManage(op, actor); err != nil {
		return nil, err
	}
	cl, err := cs.Store.OIDCClient(ctx, orgID, id)
	return cl, gatehouse.Wrap(op, err)
}

// List returns the organization's clients.
func (cs *Clients) List(ctx context.Context, actor gatehouse.Actor, orgID string) ([]*Client, error) {
	const op = "oidc.Clients.List"
	if err := mayManage(op, actor); err != nil {
		return nil, err
	}
	cls, err := cs.Store.OIDCClients(ctx, orgID)
	return cls, gatehouse.Wrap(op, err)
}

// RotateSecret gives a confidential client a new secret, shown this once; the
// old one stays valid for the grace period, so the application can be
// redeployed without an outage.
func (cs *Clients) RotateSecret(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (string, error) {
	const op = "oidc.Clients.RotateSecret"
	cl, err := cs.Get(ctx, actor, orgID, id)
	if err != nil {
		return "", err
	}
	if cl.Public {
		return "", gatehouse.Errorf(gatehouse.Conflict, op, "A public client has no secret.")
	}
	raw, hash, err := secret.NewToken(cs.Rand)
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	grace := dur(cs.SecretGrace, DefaultSecretGrace)
	if err := cs.Store.SetOIDCClientSecret(ctx, orgID, id, hash, cl.SecretHash, now(cs.Now).Add(grace)); err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	return raw, cs.audit(ctx, EventSecretRotated, orgID, actor, c, map[string]string{"client_id": id, "grace": grace.String()})
}

// Update changes a client's name, URIs and flags; whether it is public
// stays as registered (a secret cannot appear or vanish by an edit).
func (cs *Clients) Update(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string, n NewClient) (*Client, error) {
	const op = "oidc.Clients.Update"
	cl, err := cs.Get(ctx, actor, orgID, id)
	if err != nil {
		return nil, err
	}
	if err := n.validate(op, cs.AllowPrivate); err != nil {
		return nil, err
	}
	cl.Name, cl.RedirectURIs, cl.PostLogoutURIs, cl.BackchannelLogoutURI = n.Name, n.RedirectURIs, n.PostLogoutURIs, n.BackchannelLogoutURI
	cl.FirstParty, cl.Offline = n.FirstParty, n.Offline
	if err := cs.Store.UpdateOIDCClient(ctx, cl); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	return cl, cs.audit(ctx, EventClientUpdated, orgID, actor, c, map[string]string{"client_id": id, "name": cl.Name,
		"redirect_uris": strings.Join(cl.RedirectURIs, " "), "first_party": boolText(cl.FirstParty)})
}

// Delete removes a client with its grants, tokens and consents.
func (cs *Clients) Delete(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) error {
	const op = "oidc.Clients.Delete"
	cl, err := cs.Get(ctx, actor, orgID, id)
	if err != nil {
		return err
	}
	if err := cs.Store.DeleteOIDCClient(ctx, orgID, id); err != nil {
		return gatehouse.Wrap(op, err)
	}
	return cs.audit(ctx, EventClientDeleted, orgID, actor, c, map[string]string{"client_id": id, "name": cl.Name})
}

// errInvalidClient is the token endpoint's answer to failed client authentication.
var errInvalidClient = &Error{Code: "invalid_client", Description: "Client authentication failed.", Status: 401}

// Authenticate checks the client credentials of a token or revocation
// request. A confidential client needs its secret (or, within the grace
// period, its previous one); a public client sends its id only.
func (cs *Clients) Authenticate(ctx context.Context, orgID, id, sec string) (*Client, error) {
	if id == "" || len(id) > 64 || len(sec) > 256 {
		return nil, errInvalidClient
	}
	cl, err := cs.Store.OIDCClient(ctx, orgID, id)
	if gatehouse.IsCode(err, gatehouse.NotFound) {
		return nil, errInvalidClient
	} else if err != nil {
		return nil, err
	}
	if cl.Public {
		if sec != "" {
			return nil, errInvalidClient
		}
		return cl, nil
	}
	if sec == "" {
		return nil, errInvalidClient
	}
	h := secret.HashToken(sec)
	if secret.Equal(h, cl.SecretHash) {
		return cl, nil
	}
	if cl.OldSecretHash != "" && now(cs.Now).Before(cl.OldSecretUntil) && secret.Equal(h, cl.OldSecretHash) {
		return cl, nil
	}
	return nil, errInvalidClient
}
