package web

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// The member list (/admin/members): search by name, username or email, role and
// state; tick members and send them activation codes in bulk (S23), through a
// confirmation page that says how many will receive an email, to a result page
// that lists who got one and who was skipped, and why.

type membersPage struct {
	Query, Role, State string
	Members            []memberRow
	Pager              pager
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.admin(w, r); ok {
		s.redirect(w, r, "/admin/members", nil)
	}
}

func (s *Server) adminMembers(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := &membersPage{Query: q.Get("query"), Role: q.Get("role"), State: q.Get("state")}
	v := s.adminView(w, r, m, "Members", "members", d)
	ms, next, err := s.Account.ListMembers(r.Context(), actor, s.orgID(r), gatehouse.MemberFilter{
		Query: d.Query, Role: gatehouse.Role(d.Role), State: gatehouse.State(d.State), Cursor: q.Get("cursor"), Limit: 50,
	})
	st := http.StatusOK
	if err != nil {
		if !gatehouse.IsCode(err, gatehouse.Invalid) {
			s.adminFail(w, r, m, err)
			return
		}
		st = http.StatusUnprocessableEntity
		v.fieldErrors(err, "")
	}
	d.Members = s.memberRows(ms)
	d.Pager = newPager("/admin/members", q, next)
	s.render(w, r, st, "admin_members", v)
}

type activationPage struct {
	Will    []account.ActivationResult // will get (or got) an email
	Skipped []account.ActivationResult
	IDs     []string // every member selected, for the confirmation form
}

func splitActivation(res []account.ActivationResult) *activationPage {
	d := &activationPage{}
	for _, r := range res {
		d.IDs = append(d.IDs, r.MemberID)
		if r.Sent {
			d.Will = append(d.Will, r)
		} else {
			d.Skipped = append(d.Skipped, r)
		}
	}
	return d
}

// adminActivationConfirm is the confirmation step: nothing is sent yet. It is a
// POST because it carries the selection, but it changes nothing.
func (s *Server) adminActivationConfirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	res, err := s.Account.PlanActivation(r.Context(), actor, s.orgID(r), r.PostForm["member_id"])
	if err != nil {
		if gatehouse.IsCode(err, gatehouse.Invalid) {
			s.render(w, r, http.StatusUnprocessableEntity, "admin_activation", s.adminView(w, r, m, "Send activation codes", "members",
				&activationStep{Error: gatehouse.ErrorMessage(err)}))
			return
		}
		s.adminFail(w, r, m, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_activation", s.adminView(w, r, m, "Send activation codes", "members",
		&activationStep{Confirm: true, Plan: splitActivation(res)}))
}

// activationStep feeds admin_activation.html, which is both the confirmation
// and the result page.
type activationStep struct {
	Confirm bool // the confirmation; otherwise the result
	Plan    *activationPage
	Error   string
}

func (s *Server) adminActivationSend(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	res, err := s.Account.SendActivation(r.Context(), actor, s.client(r), s.orgID(r), r.PostForm["member_id"])
	if err != nil {
		if gatehouse.IsCode(err, gatehouse.Invalid) {
			s.render(w, r, http.StatusUnprocessableEntity, "admin_activation", s.adminView(w, r, m, "Send activation codes", "members",
				&activationStep{Error: gatehouse.ErrorMessage(err)}))
			return
		}
		s.adminFail(w, r, m, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_activation", s.adminView(w, r, m, "Activation codes sent", "members",
		&activationStep{Plan: splitActivation(res)}))
}
