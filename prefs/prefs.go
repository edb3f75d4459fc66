// Package prefs lets a member choose the language and the time zone in which
// Gatehouse speaks to them: pages, emails and texts (issue 18). An empty
// choice leaves both to the browser and to the organization's defaults. It
// owns its store interface, Store.
package prefs

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
)

// Store is the storage the preferences need. Package sqlstore implements it.
type Store interface {
	LockMember(ctx context.Context, orgID, id string) (*gatehouse.Member, error)
	ChangeMember(ctx context.Context, orgID, id string, c gatehouse.MemberChange) error
	AddAudit(ctx context.Context, e *gatehouse.AuditEvent) error
}

// Service sets preferences. Tx is required; Now and Rand have working
// defaults.
type Service struct {
	Tx   gatehouse.Transactor[Store]
	Now  func() time.Time
	Rand io.Reader
}

// Preferences are a member's own choices; "" is the automatic one.
type Preferences struct {
	Language string // one of gatehouse.Languages
	TimeZone string // an IANA zone name (gatehouse.ValidTimeZone)
}

// Form fields of the preferences, for error messages.
const (
	FieldLanguage = "language"
	FieldTimeZone = "time_zone"
)

// Set saves a member's own preferences. Only the member sets them (an
// administrator has no say in the language someone reads); the change is
// audited (preferences.changed) with the old and new values. Saving what is
// already saved changes and audits nothing.
func (s *Service) Set(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, memberID string, p Preferences) error {
	const op = "prefs.Set"
	if err := gatehouse.RequireOrg(op, actor.OrgID); err != nil {
		return err
	}
	if actor.Kind != gatehouse.ActorMember || actor.ID != memberID {
		return gatehouse.Errorf(gatehouse.Forbidden, op, "Members choose their own language and time zone.")
	}
	p.Language, p.TimeZone = strings.TrimSpace(p.Language), strings.TrimSpace(p.TimeZone)
	var errs []gatehouse.FieldError
	if p.Language != "" && !slices.Contains(gatehouse.Languages, p.Language) {
		errs = append(errs, gatehouse.FieldError{Field: FieldLanguage, Code: "invalid", Message: "Choose one of the languages offered."})
	}
	if p.TimeZone != "" && !gatehouse.ValidTimeZone(p.TimeZone) {
		errs = append(errs, gatehouse.FieldError{Field: FieldTimeZone, Code: "invalid", Message: "Enter a time zone such as Europe/Berlin or Asia/Jakarta, or leave it empty."})
	}
	if len(errs) > 0 {
		return gatehouse.InvalidFields(op, errs...)
	}
	return s.Tx.Tx(ctx, func(st Store) error {
		m, err := st.LockMember(ctx, actor.OrgID, memberID)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		if m.Language == p.Language && m.TimeZone == p.TimeZone {
			return nil
		}
		now := s.now()
		if err := st.ChangeMember(ctx, m.OrgID, m.ID, gatehouse.MemberChange{Language: &p.Language, TimeZone: &p.TimeZone, UpdatedAt: now}); err != nil {
			return gatehouse.Wrap(op, err)
		}
		e := gatehouse.NewEvent(gatehouse.EventPreferencesChanged, m.OrgID, actor, m.ID, c, map[string]string{
			"old_language": m.Language, "language": p.Language, "old_time_zone": m.TimeZone, "time_zone": p.TimeZone,
		})
		e.ID, e.At = gatehouse.NewID(s.rand()), now
		return gatehouse.Wrap(op, st.AddAudit(ctx, e))
	})
}

func (s *Service) now() time.Time { return gatehouse.NowOr(s.Now) }

func (s *Service) rand() io.Reader { return gatehouse.RandOr(s.Rand) }
