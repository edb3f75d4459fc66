package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/admin"
	"github.com/gatehouse-auth/gatehouse/phone"
)

// A member's details page (/admin/members/{id}): the record and its edit form,
// activation code (S24), a new password now (S25), disable and enable, end all
// sessions, delete, the support PIN check for callers (S28), the member's recent
// audit events and the delivery status of the email sent to them (S30).

type memberPage struct {
	M         *gatehouse.Member
	State     string // effective state, in words
	Sessions  int
	Events    []*gatehouse.AuditEvent
	Names     map[string]string // of the members in Events and Messages
	Messages  []*gatehouse.Message
	CanOwner  bool // the actor may give the owner role
	PINResult string
	States    []gatehouse.State
	// Was holds the profile as shown, sent back with the form (was_ fields), so
	// that saving it changes only what the administrator edited.
	Was map[string]string
	// Throttle is how the member's sign-in throttle stands; CanLift says
	// whether the actor may lift it (only owners lift an owner's).
	Throttle *admin.ThrottleState
	CanLift  bool
	// Factors are the member's second factors (passkey_admin.go).
	Factors *memberFactors
}

// recentItems is how many audit events and messages the page shows.
const recentItems = 20

func (s adminMemberPages) memberView(w http.ResponseWriter, r *http.Request, viewer *gatehouse.Member, actor gatehouse.Actor, target *gatehouse.Member) (*view, *memberPage, error) {
	ctx := r.Context()
	d := &memberPage{M: target, State: stateLabel(target.EffectiveState(s.now())), CanOwner: actor.Role == gatehouse.RoleOwner,
		States: []gatehouse.State{gatehouse.StateActive, gatehouse.StateExpired, gatehouse.StateDisabled}}
	if target.State == gatehouse.StateNeverActivated {
		d.States = []gatehouse.State{gatehouse.StateNeverActivated, gatehouse.StateDisabled}
	}
	sessions, err := s.SignIn.Sessions(ctx, target)
	if err != nil {
		return nil, nil, err
	}
	d.Sessions = len(sessions)
	if d.Throttle, err = s.Admin.MemberThrottle(ctx, actor, target); err != nil {
		return nil, nil, err
	}
	d.CanLift = gatehouse.MayAdminister("web.memberView", actor, gatehouse.ActionLiftThrottle, target) == nil
	if d.Events, _, err = s.Admin.AuditEvents(ctx, actor, target.OrgID, gatehouse.AuditFilter{MemberID: target.ID, Limit: recentItems}); err != nil {
		return nil, nil, err
	}
	if d.Factors, err = (passkeyPages{s.Server}).memberFactors(r, actor, target); err != nil {
		return nil, nil, err
	}
	d.Names = s.eventMemberNames(r, actor, target.OrgID, d.Events)
	d.Names[target.ID] = target.Name()
	if d.Messages, _, err = s.Admin.Messages(ctx, actor, target.OrgID, gatehouse.MessageFilter{MemberID: target.ID, Limit: recentItems}); err != nil {
		return nil, nil, err
	}
	v := s.adminView(w, r, viewer, target.Name(), "members", d)
	v.Form = profileForm(target)
	d.Was = profileForm(target)
	return v, d, nil
}

func profileForm(m *gatehouse.Member) map[string]string {
	f := map[string]string{"name": m.DisplayName, "email": m.Email, "work_email": m.WorkEmail, "mobile": m.Mobile,
		"role": string(m.Role), "state": string(m.State)}
	if !m.ExpiresAt.IsZero() {
		f["expires"] = m.ExpiresAt.UTC().Format("2006-01-02")
	}
	return f
}

// memberPageFor loads the target and renders its page with status st, after
// edit has adjusted the view (errors, a result).
func (s adminMemberPages) memberPageFor(w http.ResponseWriter, r *http.Request, viewer *gatehouse.Member, actor gatehouse.Actor, st int, edit func(v *view, d *memberPage)) {
	target, err := s.Admin.Member(r.Context(), actor, s.orgID(r), r.PathValue("id"))
	if err != nil {
		s.adminFail(w, r, viewer, err)
		return
	}
	v, d, err := s.memberView(w, r, viewer, actor, target)
	if err != nil {
		s.adminFail(w, r, viewer, err)
		return
	}
	if edit != nil {
		edit(v, d)
	}
	s.render(w, r, st, "admin_member", v)
}

func (s adminMemberPages) adminMember(w http.ResponseWriter, r *http.Request) {
	viewer, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	s.memberPageFor(w, r, viewer, actor, http.StatusOK, nil)
}

// memberDone sends the browser back to the member's page with a notice.
func (s adminMemberPages) memberDone(w http.ResponseWriter, r *http.Request, done string) {
	s.redirect(w, r, "/admin/members/"+url.PathEscape(r.PathValue("id")), url.Values{"done": {done}})
}

// memberFailed shows the member's page again with err: field errors next to
// the fields of the form that failed; anything else (403 for an owner, 409 for
// the last owner) as the page's status and message.
func (s adminMemberPages) memberFailed(w http.ResponseWriter, r *http.Request, viewer *gatehouse.Member, actor gatehouse.Actor, err error, form map[string]string) {
	st, msg, retry := s.errorInfo(r, err)
	if retry > 0 {
		setRetryAfter(w, retry)
	}
	if st == http.StatusNotFound {
		s.adminFail(w, r, viewer, err)
		return
	}
	s.memberPageFor(w, r, viewer, actor, st, func(v *view, d *memberPage) {
		v.fieldErrors(err, msg)
		if fs := gatehouse.ErrorFields(err); len(fs) > 0 && gatehouse.IsCode(err, gatehouse.Invalid) {
			if fs[0].Field == admin.FieldPassword {
				v.Fields[admin.FieldPassword] = gatehouse.PasswordMessage(fs)
			}
		}
		for k, val := range form {
			v.Form[k] = val
		}
	})
}

func (s adminMemberPages) adminMemberProfile(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	viewer, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	form := map[string]string{}
	for _, k := range []string{"name", "email", "work_email", "mobile", "role", "state", "expires"} {
		form[k] = field(r, k)
	}
	u := profileUpdate(r)
	before, err := s.Admin.Member(r.Context(), actor, s.orgID(r), r.PathValue("id"))
	if err != nil {
		s.adminFail(w, r, viewer, err)
		return
	}
	after, err := s.Admin.UpdateMember(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id"), u)
	if err != nil {
		s.memberFailed(w, r, viewer, actor, err, form)
		return
	}
	if sameProfile(before, after) {
		s.memberDone(w, r, "unchanged")
		return
	}
	s.memberDone(w, r, "updated")
}

// sameProfile reports whether an update left the record as it was.
func sameProfile(a, b *gatehouse.Member) bool {
	return a.DisplayName == b.DisplayName && a.Email == b.Email && a.WorkEmail == b.WorkEmail && a.Mobile == b.Mobile &&
		a.Role == b.Role && a.State == b.State && a.ExpiresAt.Equal(b.ExpiresAt)
}

// profileUpdate reads the profile form. The form sends every field, and with
// each the value it showed (was_NAME): a field left as shown is not part of
// the update, so that saving a page loaded a while ago does not put back a
// state, role or address that someone else has changed since. The mobile
// number is parsed from what people type into E.164 here, at the edge; what
// cannot be parsed goes to the use case as a problem.
func profileUpdate(r *http.Request) admin.ProfileUpdate {
	var u admin.ProfileUpdate
	errs := &u.Problems
	str := func(name string) *string {
		if _, ok := r.PostForm[name]; !ok {
			return nil
		}
		v := field(r, name)
		if was, ok := r.PostForm["was_"+name]; ok && len(was) == 1 && was[0] == v {
			return nil
		}
		return &v
	}
	u.DisplayName, u.Email, u.WorkEmail = str("name"), str("email"), str("work_email")
	if p := str("mobile"); p != nil {
		mobile := ""
		if *p != "" {
			n, err := phone.ParseNumber(*p, "")
			*errs = append(*errs, gatehouse.ErrorFields(err)...)
			mobile = n
		}
		if mobile != "" || *p == "" {
			u.Mobile = &mobile
		}
	}
	if p := str("role"); p != nil {
		role := gatehouse.Role(*p)
		u.Role = &role
	}
	if p := str("state"); p != nil {
		st := gatehouse.State(*p)
		u.State = &st
	}
	if p := str("expires"); p != nil {
		t, fe := parseDate("expires", *p)
		if fe != nil {
			*errs = append(*errs, *fe)
		} else {
			u.ExpiresAt = &t
		}
	}
	return u
}

func (s adminMemberPages) adminMemberActivation(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	viewer, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	if _, err := s.Admin.SendMemberActivation(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id")); err != nil {
		s.memberFailed(w, r, viewer, actor, err, nil)
		return
	}
	s.memberDone(w, r, "activation_sent")
}

func (s adminMemberPages) adminMemberPassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	viewer, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	pw := field(r, admin.FieldPassword)
	mustChange := field(r, "must_change") != ""
	keep := map[string]string{"must_change": strconv.FormatBool(mustChange)}
	if pw != "" && pw != field(r, account.FieldConfirmPassword) {
		s.memberFailed(w, r, viewer, actor, gatehouse.InvalidFields("web.adminMemberPassword", gatehouse.FieldError{
			Field: account.FieldConfirmPassword, Code: gatehouse.RuleMismatch, Message: "The two passwords are not the same."}), keep)
		return
	}
	if err := s.Admin.SetMemberPassword(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id"), pw, mustChange); err != nil {
		s.memberFailed(w, r, viewer, actor, err, keep)
		return
	}
	s.memberDone(w, r, "password_set")
}

func (s adminMemberPages) adminMemberState(enable bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.parseForm(w, r) {
			return
		}
		viewer, actor, ok := s.admin(w, r)
		if !ok {
			return
		}
		if _, err := s.Admin.SetMemberState(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id"), enable); err != nil {
			s.memberFailed(w, r, viewer, actor, err, nil)
			return
		}
		if enable {
			s.memberDone(w, r, "enabled")
		} else {
			s.memberDone(w, r, "disabled")
		}
	}
}

func (s adminMemberPages) adminMemberLiftThrottle(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	viewer, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	if err := s.Admin.LiftThrottle(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id")); err != nil {
		s.memberFailed(w, r, viewer, actor, err, nil)
		return
	}
	s.memberDone(w, r, "throttle_lifted")
}

func (s adminMemberPages) adminMemberEndSessions(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	viewer, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	if _, err := s.Admin.EndMemberSessions(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id")); err != nil {
		s.memberFailed(w, r, viewer, actor, err, nil)
		return
	}
	s.memberDone(w, r, "sessions_ended")
}

// adminMemberDeletePage asks for confirmation; the POST deletes.
func (s adminMemberPages) adminMemberDeletePage(w http.ResponseWriter, r *http.Request) {
	viewer, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	target, err := s.Admin.Member(r.Context(), actor, s.orgID(r), r.PathValue("id"))
	if err != nil {
		s.adminFail(w, r, viewer, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_member_delete", s.adminView(w, r, viewer, "Delete "+target.Name(), "members", target))
}

func (s adminMemberPages) adminMemberDelete(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	viewer, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	if err := s.Admin.DeleteMember(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id")); err != nil {
		s.memberFailed(w, r, viewer, actor, err, nil)
		return
	}
	s.redirect(w, r, "/admin/members", url.Values{"done": {"deleted"}})
}

// adminVerifyPIN checks a PIN a caller says on the telephone (S28). The answer
// is shown on the page, not stored in a link.
func (s adminMemberPages) adminVerifyPIN(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	viewer, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	res, err := s.Admin.VerifySupportPIN(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id"), field(r, account.FieldPIN))
	if err != nil {
		s.memberFailed(w, r, viewer, actor, err, nil)
		return
	}
	s.memberPageFor(w, r, viewer, actor, http.StatusOK, func(v *view, d *memberPage) { d.PINResult = string(res) })
}
