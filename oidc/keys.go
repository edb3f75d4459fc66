package oidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/secret"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Key is an RS256 signing key. Private is the PKCS #8 key sealed under the
// server key "oidc" (secret.Seal), so that a copy of the table alone signs nothing.
type Key struct {
	ID        string
	OrgID     string
	Private   string
	CreatedAt time.Time
}

const (
	keyName = "oidc"
	keyBits = 2048
	// keyOverlap is how long past the expiry of the last token a retired key
	// signed it stays published: room for clocks that differ.
	keyOverlap = 5 * time.Minute
)

// keyCache holds parsed private keys by id; keys never change once stored.
var keyCache sync.Map

func keyAAD(k *Key) []byte { return []byte("oidc-key:" + k.OrgID + ":" + k.ID) }

// Keys are every organization's signing keys and the issuer they sign as: it
// creates them, publishes them (JWKS), signs and verifies with them, and
// rotates them.
type Keys struct {
	Store KeyStore
	// Orgs and PublicURL make each organization's issuer: the public URL
	// with the organization's first host. Without Orgs every organization's
	// issuer is the public URL.
	Orgs      Orgs
	PublicURL *url.URL
	Audit     AuditLog
	// Rotation is how long a key signs (zero: 30 days); IDTokenTTL how long
	// what it signed stays valid, so that a retired key stays published that
	// long (zero: an hour).
	Rotation, IDTokenTTL time.Duration
	Now                  func() time.Time
	Rand                 io.Reader
}

func (ks *Keys) rand() io.Reader {
	if ks.Rand != nil {
		return ks.Rand
	}
	return rand.Reader
}

func (ks *Keys) idTokenTTL() time.Duration { return dur(ks.IDTokenTTL, DefaultIDTokenTTL) }

// Issuer is the issuer identifier of the organization: its public URL (the
// installation's public URL with the organization's first host), without a
// trailing slash. Discovery, every token and every check of a token use it,
// so a token of one organization is never valid at another's.
func (ks *Keys) Issuer(ctx context.Context, orgID string) (string, error) {
	u := ks.PublicURL
	if ks.Orgs != nil {
		o, err := ks.Orgs.Organization(ctx, orgID)
		if err != nil {
			return "", gatehouse.Wrap("oidc.Issuer", err)
		}
		u = o.BaseURL(ks.PublicURL)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// newKey creates and stores a new signing key for the organization.
func (ks *Keys) newKey(ctx context.Context, orgID string) (*Key, error) {
	const op = "oidc.newKey"
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	sk, err := ks.Store.ServerKey(ctx, keyName, 32)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	k := &Key{ID: gatehouse.NewID(ks.rand()), OrgID: orgID, CreatedAt: now(ks.Now)}
	if k.Private, err = secret.Seal(sk, der, keyAAD(k), ks.rand()); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if err := ks.Store.AddOIDCKey(ctx, k); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	keyCache.Store(k.ID, priv)
	return k, nil
}

// private returns the parsed private key of k.
func (ks *Keys) private(ctx context.Context, k *Key) (*rsa.PrivateKey, error) {
	const op = "oidc.private"
	if v, ok := keyCache.Load(k.ID); ok {
		return v.(*rsa.PrivateKey), nil
	}
	sk, err := ks.Store.ServerKey(ctx, keyName, 32)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	der, err := secret.Open(sk, k.Private, keyAAD(k))
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, gatehouse.Wrap(op, fmt.Errorf("key %s is not an RSA key", k.ID))
	}
	keyCache.Store(k.ID, priv)
	return priv, nil
}

// keys returns the organization's keys, newest first, creating the first.
func (ks *Keys) keys(ctx context.Context, orgID string) ([]*Key, error) {
	list, err := ks.Store.OIDCKeys(ctx, orgID)
	if err != nil {
		return nil, gatehouse.Wrap("oidc.keys", err)
	}
	if len(list) == 0 {
		k, err := ks.newKey(ctx, orgID)
		if err != nil {
			return nil, err
		}
		list = []*Key{k}
	}
	slices.SortFunc(list, func(a, b *Key) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return list, nil
}

// JWKS returns the organization's published keys: the signing key and the
// retired ones whose tokens may still be valid.
func (ks *Keys) JWKS(ctx context.Context, orgID string) (*jose.JSONWebKeySet, error) {
	list, err := ks.keys(ctx, orgID)
	if err != nil {
		return nil, err
	}
	set := &jose.JSONWebKeySet{}
	for _, k := range list {
		priv, err := ks.private(ctx, k)
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &priv.PublicKey, KeyID: k.ID, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return set, nil
}

// sign serializes claims as a JWT of type typ signed with the organization's
// newest key, issued by the organization (it sets iss).
func (ks *Keys) sign(ctx context.Context, orgID, typ string, claims map[string]any) (string, error) {
	const op = "oidc.sign"
	iss, err := ks.Issuer(ctx, orgID)
	if err != nil {
		return "", err
	}
	claims["iss"] = iss
	list, err := ks.keys(ctx, orgID)
	if err != nil {
		return "", err
	}
	priv, err := ks.private(ctx, list[0])
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: list[0].ID}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", gatehouse.Wrap(op, err)
	}
	return s, nil
}

// verify checks a JWT signed by one of the organization's published keys and
// issued by the organization (expired or not: an id_token_hint may be old)
// and returns its claims.
func (ks *Keys) verify(ctx context.Context, orgID, raw string) (*idClaims, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, err
	}
	set, err := ks.JWKS(ctx, orgID)
	if err != nil {
		return nil, err
	}
	iss, err := ks.Issuer(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var c idClaims
	for _, h := range tok.Headers {
		for _, k := range set.Key(h.KeyID) {
			if err := tok.Claims(k.Key, &c); err == nil {
				if c.Issuer != iss {
					return nil, fmt.Errorf("issued by %q", c.Issuer)
				}
				return &c, nil
			}
		}
	}
	return nil, fmt.Errorf("no published key verifies the token")
}

// Rotate creates a new signing key for the organization when the newest is
// older than the rotation period, and deletes the retired keys whose last
// tokens have expired.
func (ks *Keys) Rotate(ctx context.Context, orgID string) error {
	const op = "oidc.Rotate"
	list, err := ks.keys(ctx, orgID)
	if err != nil {
		return err
	}
	at := now(ks.Now)
	if !list[0].CreatedAt.Add(dur(ks.Rotation, DefaultKeyRotation)).After(at) {
		k, err := ks.newKey(ctx, orgID)
		if err != nil {
			return err
		}
		list = append([]*Key{k}, list...)
		_ = audit(ctx, ks.Audit, ks.rand(), at, EventKeyRotated, orgID, gatehouse.SystemActor(orgID), "", gatehouse.Client{}, map[string]string{"kid": k.ID})
	}
	// A key stopped signing when the next newer one was created; the tokens
	// it signed expire an ID token's lifetime later.
	for i := 1; i < len(list); i++ {
		if list[i-1].CreatedAt.Add(ks.idTokenTTL() + keyOverlap).Before(at) {
			if err := ks.Store.DeleteOIDCKey(ctx, orgID, list[i].ID); err != nil {
				return gatehouse.Wrap(op, err)
			}
			keyCache.Delete(list[i].ID)
		}
	}
	return nil
}

// RotateAll rotates the keys of every organization that has keys (Rotate);
// the periodic job calls it, in one replica at a time. An organization that
// fails does not stop the others; the first error is returned.
func (ks *Keys) RotateAll(ctx context.Context) error {
	orgs, err := ks.Store.OIDCKeyOrgs(ctx)
	if err != nil {
		return gatehouse.Wrap("oidc.RotateAll", err)
	}
	var first error
	for _, id := range orgs {
		if err := ks.Rotate(ctx, id); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// halfHash is the at_hash of an access token: the left half of its SHA-256.
func halfHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
