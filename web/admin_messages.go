package web

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
)

// /admin/messages: the outgoing email and SMS with their delivery status, so
// that delivery problems (a bad address, a bounce) are visible (S30).

type messagesPage struct {
	Status, Channel string
	Messages        []*gatehouse.Message
	Pager           pager
}

func (s adminPages) adminMessages(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := s.admin(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := &messagesPage{Status: q.Get("status"), Channel: q.Get("channel")}
	v := s.adminView(w, r, m, "Mail and SMS", "messages", d)
	ms, next, err := s.Account.Messages(r.Context(), actor, m.OrgID, gatehouse.MessageFilter{
		Status: gatehouse.MessageStatus(d.Status), Channel: gatehouse.Channel(d.Channel), Cursor: q.Get("cursor"), Limit: 50,
	})
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
	d.Pager = newPager("/admin/messages", q, next)
	s.render(w, r, http.StatusOK, "admin_messages", v)
}
