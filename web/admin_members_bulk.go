package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse-auth/gatehouse"
)

// Bulk actions on the member list besides activation codes: disable, enable,
// end sessions. The selection (ticked members, or every member the filters
// match) is posted, the browser is sent to a confirmation page (a GET that
// changes nothing) that names who will be affected, and only its form acts;
// the result is shown after a redirect, so a refresh never acts again. Acting
// twice on one member changes nothing more, so a confirmation sent twice is
// harmless.

// maxBulk bounds one bulk action; narrow the filters for more.
const maxBulk = 500

// bulkActions are the actions in words: the button, the confirmation and the
// result.
var bulkActions = map[string]struct{ Verb, Lower, Confirm, Done string }{
	"disable":      {"Disable", "disable", "will not be able to sign in, and every session of theirs ends now", "disabled"},
	"enable":       {"Enable", "enable", "will be able to sign in again", "enabled"},
	"end_sessions": {"End the sessions of", "end the sessions of", "are signed out on every device and must sign in again", "signed out everywhere"},
}

type bulkPage struct {
	Action, Verb, Lower, Confirm string
	Members                      []*gatehouse.Member
	Capped                       bool // the filters match more than maxBulk members
}

// adminBulkStart takes the selection and the action and sends the browser to
// the confirmation.
func (s adminPages) adminBulkStart(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	action := field(r, "action")
	ids := r.PostForm["member_id"]
	if field(r, "all_matching") == "on" {
		ms, _, err := s.Admin.ListMembers(r.Context(), actor, s.orgID(r), gatehouse.MemberFilter{
			Query: field(r, "query"), Role: gatehouse.Role(field(r, "role")), State: gatehouse.State(field(r, "state")), Limit: maxBulk})
		if err != nil {
			s.adminFail(w, r, m, err)
			return
		}
		ids = ids[:0]
		for _, x := range ms {
			ids = append(ids, x.ID)
		}
	}
	if action == "activation" {
		id, err := s.Admin.PrepareActivation(r.Context(), actor, s.orgID(r), ids)
		if err != nil {
			s.activationFailed(w, r, m, err)
			return
		}
		s.redirect(w, r, "/admin/activation/"+url.PathEscape(id), nil)
		return
	}
	if _, ok := bulkActions[action]; !ok || len(ids) == 0 {
		s.adminFail(w, r, m, gatehouse.Errorf(gatehouse.Invalid, "web.adminBulkStart", "Tick at least one member, then choose what to do."))
		return
	}
	if len(ids) > maxBulk {
		ids = ids[:maxBulk]
	}
	s.redirect(w, r, "/admin/members/bulk", url.Values{"action": {action}, "member_id": ids})
}

// adminBulkConfirm names the members the action will affect.
func (s adminPages) adminBulkConfirm(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	a, known := bulkActions[q.Get("action")]
	if !known {
		s.adminFail(w, r, m, gatehouse.Errorf(gatehouse.NotFound, "web.adminBulkConfirm", "There is no such action."))
		return
	}
	d := &bulkPage{Action: q.Get("action"), Verb: a.Verb, Lower: a.Lower, Confirm: a.Confirm}
	for i, id := range q["member_id"] {
		if i == maxBulk {
			d.Capped = true
			break
		}
		if x, err := s.Admin.Member(r.Context(), actor, s.orgID(r), id); err == nil {
			d.Members = append(d.Members, x)
		}
	}
	s.render(w, r, http.StatusOK, "admin_bulk", s.adminView(w, r, m, a.Verb+" members", "members", d))
}

// adminBulkApply acts on each member the confirmation named and reports how
// many were changed and how many skipped (a member the administrator may not
// change, such as an owner or themselves).
func (s adminPages) adminBulkApply(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	_, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	action := field(r, "action")
	if _, known := bulkActions[action]; !known {
		s.renderError(w, r, http.StatusUnprocessableEntity, "There is no such action.")
		return
	}
	done, skipped := 0, 0
	for i, id := range r.PostForm["member_id"] {
		if i == maxBulk {
			break
		}
		var err error
		switch action {
		case "disable", "enable":
			_, err = s.Admin.SetMemberState(r.Context(), actor, s.client(r), s.orgID(r), id, action == "enable")
		case "end_sessions":
			_, err = s.Admin.EndMemberSessions(r.Context(), actor, s.client(r), s.orgID(r), id)
		}
		if err != nil {
			skipped++
			continue
		}
		done++
	}
	s.redirect(w, r, "/admin/members", url.Values{"done": {"bulk_" + action}, "n": {strconv.Itoa(done)}, "skipped": {strconv.Itoa(skipped)}})
}

// bulkDoneText says what a bulk action did, from the query it redirected to.
func bulkDoneText(q url.Values) string {
	done := q.Get("done")
	if len(done) < 6 || done[:5] != "bulk_" {
		return ""
	}
	a, ok := bulkActions[done[5:]]
	if !ok {
		return ""
	}
	n, _ := strconv.Atoi(q.Get("n"))
	k, _ := strconv.Atoi(q.Get("skipped"))
	text := plural(n, "member", "members") + " " + a.Done + "."
	if k > 0 {
		text += " " + plural(k, "member was", "members were") + " skipped: you may not change them (an owner, or yourself)."
	}
	return text
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
