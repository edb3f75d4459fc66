package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/admin"
)

// The member list (/admin/members): search by name, username or email, role and
// state; tick members and send them activation codes in bulk (S23), through a
// confirmation page that says how many will receive an email, to a result page
// that lists who got one and who was skipped, and why.

type membersPage struct {
	Query, Role, State string
	Sort               string // a gatehouse.MemberSort
	Desc               bool
	Size               int // members per page
	Members            []memberRow
	Total              int  // members that match the filters
	More               bool // more than Total match (the count stopped there)
	Pager              pager
	Prev               string    // URL of the previous page, "" on the first
	Sorts              []sortBy  // the column headers that sort
	Done               *bulkDone // the result of a bulk action
}

// sortBy is a sortable column header: its link sorts by the column, and
// again in the other direction when it already does.
type sortBy struct {
	Key, Label, Href string
	Current          string // "ascending" or "descending" (aria-sort) on the current column
}

// memberSorts are the orders of the list, by column.
var memberSorts = []struct {
	Key   gatehouse.MemberSort
	Label string
}{
	{gatehouse.SortName, "Name"}, {gatehouse.SortUsername, "Username"}, {gatehouse.SortEmail, "Email"},
	{gatehouse.SortRole, "Role"}, {gatehouse.SortState, "State"}, {gatehouse.SortLastSignIn, "Last sign-in"},
	{gatehouse.SortPasswordChanged, "Password changed"},
}

// pageSizes are the page sizes offered; the first is the default.
var pageSizes = []int{50, 25, 100}

// countUpTo bounds the count of matching members the list shows ("More
// than 500 members match"): as many as a bulk action over all matches
// takes (maxBulk). Past that the figure does not change what an
// administrator does next (search further), and the count reads every
// match up to the bound: at 10,000 a search of two letters on SQLite at a
// million members took 190 ms at p95 on the admin page, against 12 ms
// through the API, which does not count.
const countUpTo = maxBulk

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
	d := &membersPage{Query: q.Get("query"), Role: q.Get("role"), State: q.Get("state"), Sort: q.Get("sort"), Desc: q.Get("desc") == "1",
		Size: pageSizes[0], Done: bulkDoneText(q)}
	if n, err := strconv.Atoi(q.Get("size")); err == nil && slices.Contains(pageSizes, n) {
		d.Size = n
	}
	if d.Sort == "" {
		d.Sort = string(gatehouse.SortUsername)
	}
	v := s.adminView(w, r, m, "Members", "members", d)
	f := gatehouse.MemberFilter{Query: d.Query, Role: gatehouse.Role(d.Role), State: gatehouse.State(d.State),
		Sort: gatehouse.MemberSort(d.Sort), Desc: d.Desc, Cursor: q.Get("cursor"), Limit: d.Size}
	ms, next, err := s.Admin.ListMembers(r.Context(), actor, s.orgID(r), f)
	switch {
	case err == nil && next == "" && f.Cursor == "":
		// The first page holds the whole list: its length is the total. A
		// count reads every match again (a search that few members match,
		// on PostgreSQL at a million members: as long as the page itself).
		d.Total = len(ms)
	case err == nil:
		d.Total, d.More, err = s.Admin.CountMembers(r.Context(), actor, s.orgID(r), f, countUpTo)
	}
	st := http.StatusOK
	if err != nil {
		if !gatehouse.IsCode(err, gatehouse.Invalid) {
			s.adminFail(w, r, m, err)
			return
		}
		st = http.StatusUnprocessableEntity
		v.fieldErrors(err, "")
	}
	d.Members = s.memberRows(r, actor, ms)
	d.Pager, d.Prev = memberPager(q, next)
	d.Sorts = memberSortLinks(q, d.Sort, d.Desc)
	s.render(w, r, st, "admin_members", v)
}

// memberPager builds the next, previous and first page links. A cursor only
// leads forward, so the URL keeps the cursors of the pages before ("back",
// comma-separated) to lead back.
func memberPager(q url.Values, next string) (pager, string) {
	base := url.Values{}
	for k, v := range q {
		if k != "cursor" && k != "done" && k != "back" && k != "n" && k != "skipped" {
			base[k] = v
		}
	}
	var back []string
	if b := q.Get("back"); b != "" {
		back = strings.Split(b, ",")
	}
	link := func(cursor string, back []string) string {
		u := url.Values{}
		for k, v := range base {
			u[k] = v
		}
		if cursor != "" {
			u.Set("cursor", cursor)
		}
		if len(back) > 0 {
			u.Set("back", strings.Join(back, ","))
		}
		if len(u) == 0 {
			return "/admin/members"
		}
		return "/admin/members?" + u.Encode()
	}
	var p pager
	cur := q.Get("cursor")
	if next != "" {
		p.Next = link(next, append(slices.Clone(back), cur))
	}
	prev := ""
	if cur != "" {
		p.First = link("", nil)
		if len(back) > 0 {
			prev = link(back[len(back)-1], back[:len(back)-1])
		} else {
			prev = p.First
		}
	}
	return p, prev
}

// memberSortLinks builds the sortable column headers.
func memberSortLinks(q url.Values, cur string, desc bool) []sortBy {
	out := make([]sortBy, 0, len(memberSorts))
	for _, c := range memberSorts {
		u := url.Values{}
		for _, k := range []string{"query", "role", "state", "size"} {
			if q.Get(k) != "" {
				u.Set(k, q.Get(k))
			}
		}
		u.Set("sort", string(c.Key))
		sb := sortBy{Key: string(c.Key), Label: c.Label}
		if string(c.Key) == cur {
			sb.Current = "ascending"
			if desc {
				sb.Current = "descending"
			} else {
				u.Set("desc", "1")
			}
		}
		sb.Href = "/admin/members?" + u.Encode()
		out = append(out, sb)
	}
	return out
}

type activationPage struct {
	Will    []admin.ActivationResult // will get (or got) an email
	Skipped []admin.ActivationResult
}

func splitActivation(res []admin.ActivationResult) *activationPage {
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
	id, err := s.Admin.PrepareActivation(r.Context(), actor, s.orgID(r), r.PostForm["member_id"])
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
	step, err := s.Admin.ActivationConfirmation(r.Context(), actor, s.orgID(r), r.PathValue("id"))
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
	case errors.Is(err, admin.ErrConfirmationGone):
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
	if err := s.Admin.SendConfirmedActivation(r.Context(), actor, s.client(r), s.orgID(r), id); err != nil {
		s.activationFailed(w, r, m, err)
		return
	}
	s.redirect(w, r, "/admin/activation/"+url.PathEscape(id), nil)
}
