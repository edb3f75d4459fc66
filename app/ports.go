package app

import (
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/apikey"
	"github.com/gatehouse-auth/gatehouse/brand"
	"github.com/gatehouse-auth/gatehouse/delivery"
	"github.com/gatehouse-auth/gatehouse/factors"
	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/org"
	"github.com/gatehouse-auth/gatehouse/outbox"
	"github.com/gatehouse-auth/gatehouse/prefs"
	"github.com/gatehouse-auth/gatehouse/profile"
	"github.com/gatehouse-auth/gatehouse/recovery"
	"github.com/gatehouse-auth/gatehouse/signin"
	"github.com/gatehouse-auth/gatehouse/sqlstore"
	"github.com/gatehouse-auth/gatehouse/twofactor"
)

// sqlstore.Store implements the store interface of every feature package;
// the wiring checks it here, at compile time.
var (
	_ account.Store        = (*sqlstore.Store)(nil)
	_ account.Tx           = (*sqlstore.Store)(nil)
	_ signin.Store         = (*sqlstore.Store)(nil)
	_ signin.Tx            = (*sqlstore.Store)(nil)
	_ twofactor.Store      = (*sqlstore.Store)(nil)
	_ twofactor.Tx         = (*sqlstore.Store)(nil)
	_ apikey.Store         = (*sqlstore.Store)(nil)
	_ admin.Store          = (*sqlstore.Store)(nil)
	_ admin.Tx             = (*sqlstore.Store)(nil)
	_ admin.ResendTx       = (*sqlstore.Store)(nil)
	_ admin.FactorTx       = (*sqlstore.Store)(nil)
	_ recovery.Store       = (*sqlstore.Store)(nil)
	_ recovery.Tx          = (*sqlstore.Store)(nil)
	_ delivery.Outbox      = (*sqlstore.Store)(nil)
	_ outbox.Queue         = (*sqlstore.Store)(nil)
	_ outbox.Recipients    = (*sqlstore.Store)(nil)
	_ prefs.Store          = (*sqlstore.Store)(nil)
	_ brand.Store          = (*sqlstore.Store)(nil)
	_ outbox.Brands        = (*sqlstore.Store)(nil)
	_ org.Store            = (*sqlstore.Store)(nil)
	_ operator.Store       = (*sqlstore.Store)(nil)
	_ operator.LogStore    = (*sqlstore.Store)(nil)
	_ operator.APIKeyStore = (*sqlstore.Store)(nil)
	_ operator.DeskStore   = (*sqlstore.Store)(nil)
	_ factors.Store        = (*sqlstore.Store)(nil)
	_ profile.Store        = (*sqlstore.Store)(nil)
)
