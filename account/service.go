// Package account holds the use cases of Gatehouse: signing in, sessions, changing
// and renewing passwords, creating members and the first owner. It is the only
// place that orchestrates the store, the hasher, the throttles and the outbox, so
// that the pages and the API cannot disagree about a rule.
package account

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/outbox"
)

// Service carries the dependencies of the use cases. Every field must be set
// except Now, Rand and Log, which have working defaults.
type Service struct {
	Store     gatehouse.Store
	Counters  gatehouse.Counters
	Hasher    gatehouse.PasswordHasher
	Blocklist gatehouse.Blocklist
	// Outbox composes, queues and sends on every email and text.
	Outbox *outbox.Outbox
	// Captcha issues and checks the CAPTCHA of the forgotten-password form.
	Captcha gatehouse.Captcha
	// PublicURL is the only base of every link the service builds; the request's
	// Host header is never used.
	PublicURL *url.URL
	Now       func() time.Time
	Rand      io.Reader
	Log       *slog.Logger
	// Passkeys proves passkeys at sign-in; nil: no passkeys.
	Passkeys PasskeyChecker
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// kick wakes the sender after a transaction that queued messages committed.
func (s *Service) kick() { s.Outbox.Wake() }

// Settings returns the organization's settings.
func (s *Service) Settings(ctx context.Context, orgID string) (gatehouse.Settings, error) {
	stored, err := s.Store.Settings(ctx, orgID)
	if err != nil {
		return gatehouse.Settings{}, gatehouse.Wrap("account.Settings", err)
	}
	return gatehouse.LoadSettings(stored), nil
}

// Link returns an absolute link to path with the query, built from PublicURL.
func (s *Service) Link(path string, query url.Values) string {
	u := *s.PublicURL
	base := u.Path
	if len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	u.Path = base + path
	u.RawQuery = query.Encode()
	u.Fragment = ""
	return u.String()
}

// audit writes an audit event through st (the store or a transaction).
func (s *Service) audit(ctx context.Context, st gatehouse.AuditWriter, e *gatehouse.AuditEvent) error {
	return gatehouse.WriteAudit(ctx, st, e, s.now(), s.rand())
}

// event builds an audit event (gatehouse.NewEvent).
func event(t gatehouse.EventType, orgID string, actor gatehouse.Actor, memberID string, c gatehouse.Client, details map[string]string) *gatehouse.AuditEvent {
	return gatehouse.NewEvent(t, orgID, actor, memberID, c, details)
}

func storable(s string) string { return gatehouse.Storable(s) }

func truncate(s string, n int) string { return gatehouse.Truncate(s, n) }
