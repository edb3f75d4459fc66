package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// /admin/messages: the outgoing email and SMS with their delivery status, so
// that delivery problems (a bad address, a bounce) are visible (S30).

type messagesPage struct {
	Status, Channel string
	Recipient       string // a member's name, username, email or number, as typed
	Messages        []*gatehouse.Message
	Names           map[string]string // member ids of the messages to names
	Pager           pager
}

func (s adminPages) adminMessages(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := &messagesPage{Status: q.Get("status"), Channel: q.Get("channel"), Recipient: strings.TrimSpace(q.Get("recipient"))}
	v := s.adminView(w, r, m, "Mail and SMS", "messages", d)
	if q.Get("done") == "resent" {
		v.Notice = "The notice is queued to be sent again."
	}
	f := gatehouse.MessageFilter{
		Status: gatehouse.MessageStatus(d.Status), Channel: gatehouse.Channel(d.Channel), Cursor: q.Get("cursor"), Limit: 50,
	}
	var err error
	if d.Recipient != "" {
		id, fe := s.auditMember(r, actor, "recipient", d.Recipient)
		if fe != nil {
			err = gatehouse.InvalidFields("web.adminMessages", *fe)
		}
		f.MemberID = id
	}
	var ms []*gatehouse.Message
	var next string
	if err == nil {
		ms, next, err = s.Admin.Messages(r.Context(), actor, s.orgID(r), f)
	}
	if err != nil {
		if !gatehouse.IsCode(err, gatehouse.Invalid) {
			s.adminFail(w, r, m, err)
			return
		}
		v.fieldErrors(err, "")
		s.render(w, r, http.StatusUnprocessableEntity, "admin_messages", v)
		return
	}
	d.Messages = ms
	d.Names = s.messageMemberNames(r, actor, m.OrgID, ms)
	d.Pager = newPager("/admin/messages", q, next)
	s.render(w, r, http.StatusOK, "admin_messages", v)
}

// messageMemberNames looks up the members the messages went to, for links.
func (s adminPages) messageMemberNames(r *http.Request, actor gatehouse.Actor, orgID string, ms []*gatehouse.Message) map[string]string {
	names := map[string]string{}
	for _, msg := range ms {
		if msg.MemberID == "" {
			continue
		}
		if _, ok := names[msg.MemberID]; ok {
			continue
		}
		names[msg.MemberID] = ""
		if mem, err := s.Admin.Member(r.Context(), actor, orgID, msg.MemberID); err == nil {
			names[msg.MemberID] = mem.Name()
		}
	}
	return names
}

// adminResendMessage sends a failed notice again (admin.ResendMessage) and
// goes back to the failed messages, where the copy shows as queued.
func (s adminPages) adminResendMessage(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	if _, err := s.Admin.ResendMessage(r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id")); err != nil {
		s.adminFail(w, r, m, err)
		return
	}
	s.redirect(w, r, "/admin/messages", url.Values{"done": {"resent"}})
}
