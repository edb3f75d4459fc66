package admin

import (
	"context"
	"sort"

	"github.com/gatehouse-auth/gatehouse"
)

// SettingChange is one changed setting, for the caller to report.
type SettingChange struct {
	Name, Old, New string
}

// UpdateSettings validates every value first and, when all are valid, stores them
// and audits each change with its old and new value (secret values are reported
// only as set or cleared). Only administrators and owners may change settings.
func (s *Service) UpdateSettings(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID string, values map[string]string) ([]SettingChange, error) {
	const op = "admin.UpdateSettings"
	if err := gatehouse.CheckOrg(op, actor, orgID); err != nil {
		return nil, err
	}
	if !actor.Role.IsAdmin() {
		return nil, gatehouse.Errorf(gatehouse.Forbidden, op, "Only administrators change settings.")
	}
	cur, err := s.Settings(ctx, orgID)
	if err != nil {
		return nil, err
	}
	next := cur
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []gatehouse.FieldError
	for _, n := range names {
		if fe := next.Set(n, values[n]); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if len(errs) > 0 {
		return nil, gatehouse.InvalidFields(op, errs...)
	}
	var changes []SettingChange
	store := map[string]string{}
	for _, n := range names {
		oldV, _ := cur.Get(n)
		newV, _ := next.Get(n)
		if oldV == newV {
			continue
		}
		store[n] = newV
		ch := SettingChange{Name: n, Old: oldV, New: newV}
		if d, _ := gatehouse.SettingDefByName(n); d.Secret {
			ch.Old, ch.New = secretState(oldV), secretState(newV)
		}
		changes = append(changes, ch)
	}
	if len(changes) == 0 {
		return nil, nil
	}
	err = s.Tx.Tx(ctx, func(tx Tx) error {
		if err := tx.SetSettings(ctx, orgID, store, s.now()); err != nil {
			return gatehouse.Wrap(op, err)
		}
		// Queued emails carry their sender: a changed one goes on those still
		// waiting, as it would if the sender read the settings when sending,
		// so that fixing a wrong address releases the queue.
		if next.MailFromAddress != cur.MailFromAddress || next.SenderName() != cur.SenderName() {
			if _, err := tx.SetQueuedSender(ctx, orgID, next.MailFromAddress, next.SenderName()); err != nil {
				return gatehouse.Wrap(op, err)
			}
		}
		for _, ch := range changes {
			if err := s.audit(ctx, tx, event(gatehouse.EventSettingsChanged, orgID, actor, "", c,
				map[string]string{"setting": ch.Name, "old": ch.Old, "new": ch.New})); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changes, nil
}

func secretState(v string) string {
	if v == "" {
		return "(not set)"
	}
	return "(set)"
}
