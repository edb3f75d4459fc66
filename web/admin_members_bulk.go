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

// bulkActions are the actions with the title of their confirmation page; its
// text is the catalog's admin.bulk.<action>.* messages.
var bulkActions = map[string]string{
	"disable":      "Disable members",
	"enable":       "Enable members",
	"end_sessions": "End the sessions of members",
}

type bulkPage struct {
	Action  string
	Members []*gatehouse.Member
	Capped  bool // the filters match more than maxBulk members
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
	title, known := bulkActions[q.Get("action")]
	if !known {
		s.adminFail(w, r, m, gatehouse.Errorf(gatehouse.NotFound, "web.adminBulkConfirm", "There is no such action."))
		return
	}
	d := &bulkPage{Action: q.Get("action")}
	for i, id := range q["member_id"] {
		if i == maxBulk {
			d.Capped = true
			break
		}
		if x, err := s.Admin.Member(r.Context(), actor, s.orgID(r), id); err == nil {
			d.Members = append(d.Members, x)
		}
	}
	s.render(w, r, http.StatusOK, "admin_bulk", s.adminView(w, r, m, title, "members", d))
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
func bulkDoneText(q url.Values) *bulkDone {
	done := q.Get("done")
	if len(done) < 6 || done[:5] != "bulk_" {
		return nil
	}
	if _, ok := bulkActions[done[5:]]; !ok {
		return nil
	}
	n, _ := strconv.Atoi(q.Get("n"))
	k, _ := strconv.Atoi(q.Get("skipped"))
	return &bulkDone{Action: done[5:], N: n, Skipped: k}
}

// bulkDone is the result of a bulk action, which the page says in its
// language with the plural forms the counts need.
type bulkDone struct {
	Action     string
	N, Skipped int
}
