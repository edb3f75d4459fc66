package app

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/internal/safehttp"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

// oidcProvider builds the OpenID Connect provider on the app's store: its
// clients, its keys (each organization its own issuer, on its own host) and
// its logouts, delivered through safehttp to public addresses only (private
// ones too with WebhooksAllowPrivate).
func (a *App) oidcProvider() *oidc.Provider {
	st, cfg := a.Store, a.cfg
	keys := &oidc.Keys{Store: st, Orgs: st, PublicURL: cfg.Web.PublicURL, Audit: st, Rotation: cfg.OIDCKeyRotation, Now: cfg.Now}
	return &oidc.Provider{
		Clients: &oidc.Clients{Store: st, Audit: st, AllowPrivate: cfg.WebhooksAllowPrivate, Now: cfg.Now},
		Keys:    keys,
		Logouts: &oidc.Logouts{Keys: keys, Clients: st, Grants: st, Queue: st, Audit: st, Worker: a.ID, Now: cfg.Now, Log: a.Log,
			HTTP: safehttp.NewClient(safehttp.Options{AllowPrivate: cfg.WebhooksAllowPrivate})},
		Grants: st, Members: st, AccessTTL: cfg.OIDCAccessTTL, Now: cfg.Now,
	}
}

// oidcKeysJob is the name under which replicas take turns at rotating keys.
const oidcKeysJob = "oidc-keys"

// RunOIDC delivers back-channel logouts every 30 seconds (every replica; each
// claims what it sends) and, in one replica at a time, rotates the signing
// keys of every organization, until ctx ends (Run runs it).
func (a *App) RunOIDC(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := a.OIDC.Logouts.Deliver(ctx); err != nil {
			a.Log.Warn("delivering back-channel logouts", "err", err)
		}
		now := gatehouse.NowOr(a.cfg.Now)
		if ok, err := a.Store.ClaimJob(ctx, oidcKeysJob, a.ID, now, now.Add(time.Hour)); err != nil {
			a.Log.Warn("claiming the key rotation", "err", err)
		} else if ok {
			if err := a.OIDC.Keys.RotateAll(ctx); err != nil {
				a.Log.Warn("rotating OpenID Connect keys", "err", err)
			}
		}
	}
}
