package passkey

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
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
		OrgName: set.OrganizationName, MemberName: m.Name(), Username: m.Username,
		At: s.now(), IP: c.IP, UserAgent: c.UserAgent, Changes: changes, By: by,
		SupportURL: s.link("/forgot-password"), AccountURL: s.link("/account/passkeys"),
	}
	subject, text, html, err := s.Composer.Email(gatehouse.KindSecurityNotice, d)
	if err != nil {
		return gatehouse.Wrap(op, err)
	}
	now := s.now()
	msg := &gatehouse.Message{
		ID: gatehouse.NewID(s.rand()), OrgID: m.OrgID, MemberID: m.ID, Channel: gatehouse.ChannelEmail,
		Kind: gatehouse.KindSecurityNotice, To: to, Subject: subject, Text: text, HTML: html,
		Status: gatehouse.MessageQueued, CreatedAt: now, NextAttemptAt: now,
	}
	if err := tx.Enqueue(ctx, msg); err != nil {
		return gatehouse.Wrap(op, err)
	}
	return nil
}

// link returns an absolute link to path on the public URL.
func (s *Service) link(path string) string {
	u := *s.PublicURL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}
