package app

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/operator"
	"github.com/gatehouse-auth/gatehouse/org"
)

// The organizations and the service desk (issue 12), built here like every
// other part, so that gatehouse serve, its commands and the test servers
// share them.

// OperatorConfig is the installation's settings of the service desk.
type OperatorConfig struct {
	// IdleTimeout and SessionLifetime bound an operator's session (zero: the
	// operator package's defaults).
	IdleTimeout     time.Duration
	SessionLifetime time.Duration
	// MailFrom and MailFromName are the sender of the mail that goes to
	// operators themselves (their activation links); "" sends it with the
	// default organization's sender. Mail about an organization (its first
	// owner's invitation, an owner's recovery link, the notices to its
	// administrators) always goes with that organization's sender.
	MailFrom     string
	MailFromName string
}

func (a *App) buildDesk() {
	st, cfg := a.Store, a.cfg.Operators
	a.Orgs = &org.Service{Store: st, Composer: a.Outbox.Composer, PublicURL: a.cfg.Web.PublicURL, Now: a.cfg.Now}
	a.Desk = &operator.Service{Accounts: st, APIKeyStore: st, Log: st, Desk: st, Counters: a.Counters, Keys: st,
		Hasher: a.Hasher, Blocklist: a.Account.Blocklist, Composer: a.Outbox.Composer, PublicURL: a.cfg.Web.PublicURL,
		IdleTimeout: cfg.IdleTimeout, SessionLifetime: cfg.SessionLifetime, MailFrom: cfg.MailFrom, MailFromName: cfg.MailFromName,
		Now: a.cfg.Now}
	// The console and the desk's API answer on the public URL's host only
	// (web decides); which organization a request is for stays the default
	// one until serve turns host routing on (Web.Orgs).
	a.Web.OrgAdmin, a.Web.Desk = a.Orgs, a.Desk
}
