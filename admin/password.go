package admin

import (
	"context"
	"strconv"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// FieldPassword is the field of a password an administrator sets, in the
// admin form and the API.
const FieldPassword = "password"

// SetMemberPassword is an administrator setting a member's password now (S25,
// S26): the policy and the member's password history apply, the old password
// stops working at once, every session of the member ends, outstanding reset
// and activation links die, and the member is emailed a notice. With
// mustChange the member has to choose another password at the next sign-in.
// A never-activated account becomes active.
func (s *Service) SetMemberPassword(ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id, password string, mustChange bool) error {
	const op = "admin.SetMemberPassword"
	if err := requireAdmin(op, actor, orgID); err != nil {
		return err
	}
	m, err := gatehouse.LoadMember(ctx, s.Store, op, orgID, id)
	if err != nil {
		return err
	}
	if err := gatehouse.MayAdminister(op, actor, gatehouse.ActionSetPassword, m); err != nil {
		return err
	}
	if password == "" {
		return gatehouse.InvalidFields(op, gatehouse.FieldError{Field: FieldPassword, Code: "required", Message: "Enter the new password."})
	}
	set, err := s.Settings(ctx, orgID)
	if err != nil {
		return err
	}
	errs, err := s.Steps.CheckPassword(ctx, &set, m, FieldPassword, password)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		codes := make([]string, len(errs))
		for i, e := range errs {
			codes[i] = e.Code
		}
		_ = s.audit(ctx, s.Store, event(gatehouse.EventPasswordRefused, orgID, actor, m.ID, c,
			map[string]string{"rules": strings.Join(codes, ","), "via": via(actor)}))
		e := gatehouse.InvalidFields(op, errs...)
		e.Message = gatehouse.PasswordMessage(errs)
		return e
	}
	return s.Steps.SetPassword(ctx, &set, account.PasswordChange{
		Member: m, Password: password, Actor: actor, Client: c, Via: via(actor), MustChange: mustChange,
		// Owner protection, on the row as locked: the member may have been made
		// an owner since it was read.
		Allowed: func(fresh *gatehouse.Member) error {
			return gatehouse.MayAdminister(op, actor, gatehouse.ActionSetPassword, fresh)
		},
		InTx: func(tx account.Tx, _, _ *gatehouse.Member) error {
			return s.audit(ctx, tx, event(gatehouse.EventAdminPasswordSet, orgID, actor, m.ID, c,
				map[string]string{"must_change": strconv.FormatBool(mustChange)}))
		},
	})
}
