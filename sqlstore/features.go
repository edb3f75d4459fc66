package sqlstore

// The methods of Store are declared on one type per feature, each embedded
// in Store, so that no type holds every table's statements (TestSizes) and a
// feature's statements are found together. Each holds the Store it belongs to
// (the database, or one transaction of it), so a method reaches the shared
// helpers (exec, query, inTx) and the other features' methods through it.

// memberRows: the members, their search and their list (members.go, member_search_plan.go, member_search.go, member_bulk.go, member_locale.go, member_search_text.go, factors.go, legacy.go).
type memberRows struct{ *Store }

// tokenRows: links (tokens), single-use confirmations and email changes (tokens.go, confirmations.go, email_changes.go).
type tokenRows struct{ *Store }

// sessionRows: sessions and API keys: what authenticates a request (sessions.go, session_cache.go, apikeys.go).
type sessionRows struct{ *Store }

// factorRows: second factors: codes, authenticator apps, recovery codes, trusted browsers, passkeys (twofactor.go, passkeys.go).
type factorRows struct{ *Store }

// oidcRows: OpenID Connect clients, keys, codes, grants and logouts (oidc.go, oidc_grants.go).
type oidcRows struct{ *Store }

// orgRows: organizations and their hosts (org_manage.go, orgs.go, org_cache.go).
type orgRows struct{ *Store }

// operatorRows: operators, their sessions, links and API keys (operators.go, operator_keys.go).
type operatorRows struct{ *Store }

// deliveryRows: the outbox and webhooks (outbox.go, webhooks.go, webhook_deliveries.go).
type deliveryRows struct{ *Store }

// guardRows: throttle counters, used CAPTCHA challenges and job leases (counters.go, captcha.go, jobs.go).
type guardRows struct{ *Store }

// brandRows: an organization's logo and its own texts (brand.go).
type brandRows struct{ *Store }

// auditRows: the audit log, and its bulk seeding for the load tool (audit.go, audit_bulk.go).
type auditRows struct{ *Store }

// features are the embedded feature types of Store, in the order Store lists them.
type features struct {
	memberRows
	tokenRows
	sessionRows
	factorRows
	oidcRows
	orgRows
	operatorRows
	deliveryRows
	guardRows
	brandRows
	auditRows
}

// link points every feature of s at s, and returns s.
func (s *Store) link() *Store {
	s.features = features{
		memberRows{s},
		tokenRows{s},
		sessionRows{s},
		factorRows{s},
		oidcRows{s},
		orgRows{s},
		operatorRows{s},
		deliveryRows{s},
		guardRows{s},
		brandRows{s},
		auditRows{s},
	}
	return s
}
