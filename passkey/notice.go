package passkey

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/outbox"
)

// notify queues, through tx, a security notice to m about changes to its
// passkeys made by actor from c: to the member's contact address. An account
// that never had a password was never in anyone's hands and gets none.
func (s *Service) notify(ctx context.Context, tx Store, set *gatehouse.Settings, m *gatehouse.Member, actor gatehouse.Actor, c gatehouse.Client, changes ...gatehouse.Change) error {
	const op = "passkey.notify"
	to := m.ContactEmail()
	if len(changes) == 0 || m.PasswordHash == "" || to == "" {
		return nil
	}
	by := gatehouse.ByAdministrator
	switch {
	case actor.Kind == gatehouse.ActorMember && actor.ID == m.ID:
		by = ""
	case actor.Kind == gatehouse.ActorAPIKey:
		by = gatehouse.ByAPI
	}
	d := gatehouse.MessageData{
		MemberName: m.Name(), Username: m.Username,
		At: s.now(), IP: c.IP, UserAgent: c.UserAgent, Changes: changes, By: by,
		SupportURL: s.link("/forgot-password"), AccountURL: s.link("/account/passkeys"),
	}
	_, err := s.Outbox.Email(ctx, tx, set, outbox.Email{OrgID: m.OrgID, MemberID: m.ID, To: to, Kind: gatehouse.KindSecurityNotice, Data: d})
	return gatehouse.Wrap(op, err)
}

// link returns an absolute link to path on the public URL.
func (s *Service) link(path string) string {
	u := *s.PublicURL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}
