// Package brand is an organization's own look beyond its settings (issue
// 18): its logo, shown in the header of every page and in emails, and its own
// wording of any message of the catalog, per language. Both are stored in the
// database, which every replica shares, and read through a cache that every
// replica drops when either changes (package sqlstore publishes the change on
// its bus). It owns its store interface, Store.
package brand

import (
	"context"
	"io"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

// Store is the storage the brand needs. Package sqlstore implements it.
type Store interface {
	// Look returns what pages and emails need of the organization's brand:
	// the logo's description (without its bytes) and the text overrides.
	// Outside a transaction it may come from a cache that a change on any
	// replica drops.
	Look(ctx context.Context, orgID string) (Look, error)
	// Logo returns the organization's logo with its bytes; NotFound when it
	// has none.
	Logo(ctx context.Context, orgID string) (*Logo, error)
	SetLogo(ctx context.Context, orgID string, l *Logo) error
	// DeleteLogo removes the logo and reports whether there was one.
	DeleteLogo(ctx context.Context, orgID string) (bool, error)
	// SetText stores an override, replacing the one of the same language and
	// key.
	SetText(ctx context.Context, orgID string, t Text, at time.Time) error
	// DeleteText removes an override and reports whether there was one.
	DeleteText(ctx context.Context, orgID, lang, key string) (bool, error)
	AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error
}

// Look is an organization's brand as pages and emails use it.
type Look struct {
	// LogoType is the logo's media type ("" when there is none) and LogoETag
	// its version, which changes whenever the logo does.
	LogoType, LogoETag string
	// Texts are the overrides by language and message key.
	Texts map[string]map[string]string
}

// HasLogo reports whether the organization has a logo.
func (l Look) HasLogo() bool { return l.LogoType != "" }

// Overrides returns the overrides of one language (nil for none).
func (l Look) Overrides(lang string) map[string]string { return l.Texts[lang] }

// Text is one override: the organization's own wording of the catalog
// message Key in language Lang.
type Text struct {
	Lang, Key, Text string
	UpdatedAt       time.Time
}

// Service changes the brand. Store and Tx are required; Catalog is the
// catalog whose keys and languages overrides must name (nil:
// i18n.Default()); Now and Rand have working defaults.
type Service struct {
	Store   Store
	Tx      gatehouse.Transactor[Store]
	Catalog *i18n.Catalog
	Now     func() time.Time
	Rand    io.Reader
}

// Look returns the organization's brand (see Store.Look).
func (s *Service) Look(ctx context.Context, orgID string) (Look, error) {
	return s.Store.Look(ctx, orgID)
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) catalog() *i18n.Catalog {
	if s.Catalog != nil {
		return s.Catalog
	}
	return i18n.Default()
}

// allowed checks that actor may change orgID's brand: an administrator or
// owner of that organization.
func allowed(op string, actor gatehouse.Actor, orgID string) error {
	if err := gatehouse.CheckOrg(op, actor, orgID); err != nil {
		return err
	}
	if !actor.Role.IsAdmin() {
		return gatehouse.Errorf(gatehouse.Forbidden, op, "Only administrators change the organization's look.")
	}
	return nil
}

func (s *Service) audit(ctx context.Context, st Store, t gatehouse.EventType, orgID string, actor gatehouse.Actor, c gatehouse.Client, details map[string]string) error {
	return gatehouse.WriteAudit(ctx, st, gatehouse.NewEvent(t, orgID, actor, "", c, details), s.now(), gatehouse.RandOr(s.Rand))
}
