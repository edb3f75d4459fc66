package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/phone"
)

// /admin/members/new creates a member: with a password the account is active at
// once; without one it waits for activation and the member is emailed a link.

type newMemberPage struct {
	CanOwner bool
	Rules    []string
}

func (s adminMemberPages) newMemberView(w http.ResponseWriter, r *http.Request, m *gatehouse.Member) (*view, error) {
	set, err := s.Account.Settings(r.Context(), s.orgID(r))
	if err != nil {
		return nil, err
	}
	v := s.adminView(w, r, m, "New member", "members", &newMemberPage{CanOwner: m.Role == gatehouse.RoleOwner, Rules: set.Policy().Rules()})
	v.Form["role"] = string(gatehouse.RoleMember)
	return v, nil
}

func (s adminMemberPages) adminNewMemberPage(w http.ResponseWriter, r *http.Request) {
	m, _, ok := s.admin(w, r)
	if !ok {
		return
	}
	v, err := s.newMemberView(w, r, m)
	if err != nil {
		s.adminFail(w, r, m, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_member_new", v)
}

func (s adminMemberPages) adminNewMember(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	nm := gatehouse.NewMember{
		OrgID: s.orgID(r), Username: field(r, "username"), DisplayName: field(r, "name"), Email: field(r, "email"),
		WorkEmail: field(r, "work_email"), Role: gatehouse.Role(field(r, "role")), Password: field(r, admin.FieldPassword),
	}
	var errs []gatehouse.FieldError
	if mobile := strings.TrimSpace(field(r, "mobile")); mobile != "" {
		n, err := phone.ParseNumber(mobile, "")
		errs = append(errs, gatehouse.ErrorFields(err)...)
		nm.Mobile = n
	}
	exp, fe := parseDate("expires", field(r, "expires"))
	if fe != nil {
		errs = append(errs, *fe)
	}
	nm.ExpiresAt = exp
	var created *gatehouse.Member
	var link string
	err := error(nil)
	if len(errs) > 0 {
		err = gatehouse.InvalidFields("web.adminNewMember", errs...)
	} else {
		created, link, err = s.Admin.CreateMember(r.Context(), actor, s.client(r), nm)
	}
	if err != nil {
		st, msg, _ := s.errorInfo(r, err)
		v, verr := s.newMemberView(w, r, m)
		if verr != nil {
			s.adminFail(w, r, m, verr)
			return
		}
		for _, k := range []string{"username", "name", "email", "work_email", "mobile", "role", "expires"} {
			v.Form[k] = field(r, k)
		}
		v.fieldErrors(err, msg)
		if e := (*gatehouse.Error)(nil); errors.As(err, &e) && v.Fields[admin.FieldPassword] != "" {
			v.Fields[admin.FieldPassword] = e.Message
		}
		s.render(w, r, st, "admin_member_new", v)
		return
	}
	done := "created"
	if link != "" {
		done = "created_activation"
	}
	s.redirect(w, r, "/admin/members/"+url.PathEscape(created.ID), url.Values{"done": {done}})
}
