package main

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/oidc"
)

// oidcProvider builds the OpenID Connect provider on the app's store.
func (a *app) oidcProvider() *oidc.Provider {
	return &oidc.Provider{
		Clients: a.store, Grants: a.store, Keys: a.store, Members: a.store, ServerKey: a.store.ServerKey,
		PublicURL: a.cfg.PublicURL, AccessTTL: a.cfg.OIDCAccessTTL, KeyRotation: a.cfg.OIDCKeyRotation, Log: a.log,
	}
}

// oidcKeysJob is the name under which replicas take turns at rotating keys.
const oidcKeysJob = "oidc-keys"

// oidcLoop delivers back-channel logouts (every replica; each claims what it
// sends) and, in one replica at a time, rotates the signing keys.
func (a *app) oidcLoop(ctx context.Context, p *oidc.Provider, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := p.DeliverLogouts(ctx); err != nil {
			a.log.Warn("delivering back-channel logouts", "err", err)
		}
		now := time.Now()
		if ok, err := a.store.ClaimJob(ctx, oidcKeysJob, a.id, now, now.Add(time.Hour)); err != nil {
			a.log.Warn("claiming the key rotation", "err", err)
		} else if ok {
			if err := p.RotateKeys(ctx, gatehouse.DefaultOrgID); err != nil {
				a.log.Warn("rotating OpenID Connect keys", "err", err)
			}
		}
	}
}
