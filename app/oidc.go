package app

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

// oidcProvider builds the OpenID Connect provider on the app's store.
func (a *App) oidcProvider() *oidc.Provider {
	return &oidc.Provider{
		Clients: a.Store, Grants: a.Store, Keys: a.Store, Members: a.Store, ServerKey: a.Store.ServerKey,
		PublicURL: a.cfg.Web.PublicURL, AccessTTL: a.cfg.OIDCAccessTTL, KeyRotation: a.cfg.OIDCKeyRotation,
		Now: a.cfg.Now, Log: a.Log,
	}
}

// oidcKeysJob is the name under which replicas take turns at rotating keys.
const oidcKeysJob = "oidc-keys"

// RunOIDC delivers back-channel logouts every 30 seconds (every replica; each
// claims what it sends) and, in one replica at a time, rotates the signing
// keys, until ctx ends (Run runs it).
func (a *App) RunOIDC(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := a.OIDC.DeliverLogouts(ctx); err != nil {
			a.Log.Warn("delivering back-channel logouts", "err", err)
		}
		now := time.Now()
		if ok, err := a.Store.ClaimJob(ctx, oidcKeysJob, a.ID, now, now.Add(time.Hour)); err != nil {
			a.Log.Warn("claiming the key rotation", "err", err)
		} else if ok {
			if err := a.OIDC.RotateKeys(ctx, gatehouse.DefaultOrgID); err != nil {
				a.Log.Warn("rotating OpenID Connect keys", "err", err)
			}
		}
	}
}
