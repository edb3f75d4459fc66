package oidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
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

// newKey creates and stores a new signing key for the organization.
func (p *Provider) newKey(ctx context.Context, orgID string) (*Key, error) {
	const op = "oidc.newKey"
	r := p.Rand
	if r == nil {
		r = rand.Reader
	}
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	sk, err := p.ServerKey(ctx, keyName, 32)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	k := &Key{ID: gatehouse.NewID(r), OrgID: orgID, CreatedAt: p.now()}
	if k.Private, err = secret.Seal(sk, der, keyAAD(k), r); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	if err := p.Keys.AddOIDCKey(ctx, k); err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	keyCache.Store(k.ID, priv)
	return k, nil
}

// private returns the parsed private key of k.
func (p *Provider) private(ctx context.Context, k *Key) (*rsa.PrivateKey, error) {
	const op = "oidc.private"
	if v, ok := keyCache.Load(k.ID); ok {
		return v.(*rsa.PrivateKey), nil
	}
	sk, err := p.ServerKey(ctx, keyName, 32)
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
func (p *Provider) keys(ctx context.Context, orgID string) ([]*Key, error) {
	ks, err := p.Keys.OIDCKeys(ctx, orgID)
	if err != nil {
		return nil, gatehouse.Wrap("oidc.keys", err)
	}
	if len(ks) == 0 {
		k, err := p.newKey(ctx, orgID)
		if err != nil {
			return nil, err
		}
		ks = []*Key{k}
	}
	slices.SortFunc(ks, func(a, b *Key) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return ks, nil
}

// JWKS returns the organization's published keys: the signing key and the
// retired ones whose tokens may still be valid.
func (p *Provider) JWKS(ctx context.Context, orgID string) (*jose.JSONWebKeySet, error) {
	ks, err := p.keys(ctx, orgID)
	if err != nil {
		return nil, err
	}
	set := &jose.JSONWebKeySet{}
	for _, k := range ks {
		priv, err := p.private(ctx, k)
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &priv.PublicKey, KeyID: k.ID, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return set, nil
}

// sign serializes claims as a JWT of type typ signed with the newest key.
func (p *Provider) sign(ctx context.Context, orgID, typ string, claims any) (string, error) {
	const op = "oidc.sign"
	ks, err := p.keys(ctx, orgID)
	if err != nil {
		return "", err
	}
	priv, err := p.private(ctx, ks[0])
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: ks[0].ID}},
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

// verify checks a JWT signed by one of the organization's published keys
// (expired or not: an id_token_hint may be old) and returns its claims.
func (p *Provider) verify(ctx context.Context, orgID, raw string) (*idClaims, error) {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, err
	}
	set, err := p.JWKS(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var c idClaims
	for _, h := range tok.Headers {
		for _, k := range set.Key(h.KeyID) {
			if err := tok.Claims(k.Key, &c); err == nil {
				if c.Issuer != p.Issuer(orgID) {
					return nil, fmt.Errorf("issued by %q", c.Issuer)
				}
				return &c, nil
			}
		}
	}
	return nil, fmt.Errorf("no published key verifies the token")
}

// RotateKeys creates a new signing key when the newest is older than the
// rotation period, and deletes the retired keys whose last tokens have
// expired. The periodic job calls it.
func (p *Provider) RotateKeys(ctx context.Context, orgID string) error {
	const op = "oidc.RotateKeys"
	ks, err := p.keys(ctx, orgID)
	if err != nil {
		return err
	}
	now := p.now()
	if !ks[0].CreatedAt.Add(dur(p.KeyRotation, DefaultKeyRotation)).After(now) {
		k, err := p.newKey(ctx, orgID)
		if err != nil {
			return err
		}
		ks = append([]*Key{k}, ks...)
		_ = p.audit(ctx, EventKeyRotated, orgID, gatehouse.SystemActor(orgID), "", gatehouse.Client{}, map[string]string{"kid": k.ID})
	}
	// A key stopped signing when the next newer one was created; the tokens
	// it signed expire an ID token's lifetime later.
	for i := 1; i < len(ks); i++ {
		if ks[i-1].CreatedAt.Add(p.idTokenTTL() + keyOverlap).Before(now) {
			if err := p.Keys.DeleteOIDCKey(ctx, orgID, ks[i].ID); err != nil {
				return gatehouse.Wrap(op, err)
			}
			keyCache.Delete(ks[i].ID)
		}
	}
	return nil
}

// halfHash is the at_hash of an access token: the left half of its SHA-256.
func halfHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
