package web

import (
	"errors"
	"net/http"
	"net/url"

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

func (s adminPages) adminHome(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.admin(w, r); ok {
		s.redirect(w, r, "/admin/members", nil)
	}
}

func (s adminPages) adminMembers(w http.ResponseWriter, r *http.Request) {
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
}

func splitActivation(res []account.ActivationResult) *activationPage {
	d := &activationPage{}
	for _, r := range res {
		if r.Sent {
			d.Will = append(d.Will, r)
		} else {
			d.Skipped = append(d.Skipped, r)
		}
	}
	return d
}

// adminActivationConfirm takes the ticked members and prepares the bulk send:
// nothing is sent yet. The selection is stored as a single-use confirmation
// (account.PrepareActivation), and the browser goes to its page.
func (s adminPages) adminActivationConfirm(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	id, err := s.Account.PrepareActivation(r.Context(), actor, s.orgID(r), r.PostForm["member_id"])
	if err != nil {
		s.activationFailed(w, r, m, err)
		return
	}
	s.redirect(w, r, "/admin/activation/"+url.PathEscape(id), nil)
}

// adminActivationPage shows a bulk send: the confirmation while it waits, the
// result once it was confirmed.
func (s adminPages) adminActivationPage(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	step, err := s.Account.ActivationConfirmation(r.Context(), actor, s.orgID(r), r.PathValue("id"))
	if err != nil {
		s.activationFailed(w, r, m, err)
		return
	}
	title := "Send activation codes"
	if step.Done {
		title = "Activation codes sent"
	}
	s.render(w, r, http.StatusOK, "admin_activation", s.adminView(w, r, m, title, "members",
		&activationStep{ID: step.ID, Confirm: !step.Done, Plan: splitActivation(step.Results)}))
}

// activationFailed shows the problem of a bulk send on its page: a selection
// that is empty or too large (422), a confirmation that is gone (410).
func (s adminPages) activationFailed(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, err error) {
	st := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, account.ErrConfirmationGone):
		st = http.StatusGone
	case !gatehouse.IsCode(err, gatehouse.Invalid):
		s.adminFail(w, r, m, err)
		return
	}
	s.render(w, r, st, "admin_activation", s.adminView(w, r, m, "Send activation codes", "members",
		&activationStep{Error: gatehouse.ErrorMessage(err)}))
}

// activationStep feeds admin_activation.html, which is both the confirmation
// and the result page.
type activationStep struct {
	ID      string // the confirmation, which the confirming form sends back
	Confirm bool   // the confirmation; otherwise the result
	Plan    *activationPage
	Error   string
}

// adminActivationSend confirms a bulk send. The confirmation works once: a
// second POST of the page, at the same moment or later, sends nothing. Every
// POST goes on to the page of the send, which shows what was done.
func (s adminPages) adminActivationSend(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	id := field(r, "confirmation")
	if err := s.Account.SendConfirmedActivation(r.Context(), actor, s.client(r), s.orgID(r), id); err != nil {
		s.activationFailed(w, r, m, err)
		return
	}
	s.redirect(w, r, "/admin/activation/"+url.PathEscape(id), nil)
}
