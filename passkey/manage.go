package passkey

import (
	"context"
	"strconv"

	"github.com/gatehouse-auth/gatehouse"
)

// List returns the member's passkeys, oldest first.
func (s *Service) List(ctx context.Context, m *gatehouse.Member) ([]*Passkey, error) {
	list, err := s.Store.Passkeys(ctx, m.OrgID, m.ID)
	return list, gatehouse.Wrap("passkey.List", err)
}

// find returns the member's passkey with the id.
func (s *Service) find(ctx context.Context, op string, m *gatehouse.Member, id string) (*Passkey, error) {
	list, err := s.Store.Passkeys(ctx, m.OrgID, m.ID)
	if err != nil {
		return nil, gatehouse.Wrap(op, err)
	}
	for _, p := range list {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, gatehouse.Errorf(gatehouse.NotFound, op, "That passkey does not exist (any more).")
}

// Rename gives one of the member's passkeys a new name, after the current
// password. Audited and emailed.
func (s *Service) Rename(ctx context.Context, m *gatehouse.Member, id, name, password string, c gatehouse.Client) error {
	const op = "passkey.Rename"
	name, err := checkName(op, name, false)
	if err != nil {
		return err
	}
	if err := s.Passwords.Reauthenticate(ctx, m, password, c); err != nil {
		return err
	}
	p, err := s.find(ctx, op, m, id)
	if err != nil {
		return err
	}
	if p.Name == name {
		return nil
	}
	set, err := s.settings(ctx, s.Store, m.OrgID)
	if err != nil {
		return err
	}
	err = s.Store.PasskeyTx(ctx, func(tx Store) error {
		if err := tx.RenamePasskey(ctx, m.OrgID, m.ID, p.ID, name); err != nil {
			return gatehouse.Wrap(op, err)
		}
		actor := gatehouse.MemberActor(m)
		if err := s.audit(ctx, tx, EventRenamed, m.OrgID, actor, m.ID, c,
			map[string]string{"passkey": p.ID, "old": p.Name, "new": name}); err != nil {
			return err
		}
		return s.notify(ctx, tx, &set, m, actor, c, gatehouse.Change{What: gatehouse.ChangePasskey, Old: p.Name, New: name})
	})
	if err == nil {
		s.kick()
	}
	return err
}

// Remove removes one of the member's passkeys, after the current password.
// Trusted browsers are forgotten, as when any second factor changes.
// Audited and emailed.
func (s *Service) Remove(ctx context.Context, m *gatehouse.Member, id, password string, c gatehouse.Client) error {
	const op = "passkey.Remove"
	if err := s.Passwords.Reauthenticate(ctx, m, password, c); err != nil {
		return err
	}
	p, err := s.find(ctx, op, m, id)
	if err != nil {
		return err
	}
	_, err = s.remove(ctx, op, gatehouse.MemberActor(m), m, []*Passkey{p}, c)
	return err
}

// RemoveByAdministrator removes one passkey of m (id), or all of them (id
// ""), for an administrator or the API: only an owner changes an owner's.
// Audited and emailed to the member. It returns how many were removed.
func (s *Service) RemoveByAdministrator(ctx context.Context, actor gatehouse.Actor, m *gatehouse.Member, id string, c gatehouse.Client) (int, error) {
	const op = "passkey.RemoveByAdministrator"
	if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionSecondFactors, m); err != nil {
		return 0, err
	}
	var list []*Passkey
	if id != "" {
		p, err := s.find(ctx, op, m, id)
		if err != nil {
			return 0, err
		}
		list = []*Passkey{p}
	} else {
		all, err := s.List(ctx, m)
		if err != nil {
			return 0, err
		}
		list = all
	}
	return s.remove(ctx, op, actor, m, list, c)
}

func (s *Service) remove(ctx context.Context, op string, actor gatehouse.Actor, m *gatehouse.Member, list []*Passkey, c gatehouse.Client) (int, error) {
	if len(list) == 0 {
		return 0, nil
	}
	set, err := s.settings(ctx, s.Store, m.OrgID)
	if err != nil {
		return 0, err
	}
	err = s.Store.PasskeyTx(ctx, func(tx Store) error {
		var changes []gatehouse.Change
		for _, p := range list {
			if err := tx.DeletePasskey(ctx, m.OrgID, m.ID, p.ID); err != nil {
				if gatehouse.IsCode(err, gatehouse.NotFound) {
					return gatehouse.Errorf(gatehouse.NotFound, op, "That passkey does not exist (any more).")
				}
				return gatehouse.Wrap(op, err)
			}
			if err := s.audit(ctx, tx, EventRemoved, m.OrgID, actor, m.ID, c,
				map[string]string{"passkey": p.ID, "name": p.Name}); err != nil {
				return err
			}
			changes = append(changes, gatehouse.Change{What: gatehouse.ChangePasskey, Old: p.Name})
		}
		n, err := tx.DeleteTrustedDevices(ctx, m.OrgID, m.ID)
		if err != nil {
			return gatehouse.Wrap(op, err)
		}
		if n > 0 {
			if err := s.audit(ctx, tx, gatehouse.EventDeviceRevoked, m.OrgID, actor, m.ID, c,
				map[string]string{"count": strconv.Itoa(n), "reason": "second_factor_changed"}); err != nil {
				return err
			}
		}
		return s.notify(ctx, tx, &set, m, actor, c, changes...)
	})
	if err != nil {
		return 0, err
	}
	s.kick()
	return len(list), nil
}

// Count returns how many passkeys m has.
func (s *Service) Count(ctx context.Context, m *gatehouse.Member) (int, error) {
	list, err := s.List(ctx, m)
	return len(list), err
}

// CheckSecondFactor checks an assertion that answers the challenge sess asked
// for m (account.PasskeyChecker).
func (s *Service) CheckSecondFactor(ctx context.Context, sess *gatehouse.Session, m *gatehouse.Member, response []byte, c gatehouse.Client) error {
	_, err := s.VerifySecondFactor(ctx, m, SessionBinding(sess.ID), response, c)
	return err
}

// CheckSignIn checks an assertion that answers the challenge the browser
// asked for, by its passkey cookie (account.PasskeyChecker).
func (s *Service) CheckSignIn(ctx context.Context, orgID, browser string, response []byte, c gatehouse.Client) (*gatehouse.Member, error) {
	m, _, err := s.VerifySignIn(ctx, orgID, BrowserBinding(browser), response, c)
	return m, err
}
