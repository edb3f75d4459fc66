package web

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// /api/v1/audit-events and /api/v1/mail-messages: the audit log and the
// delivery status of outgoing messages (S30), filtered and paged.

type apiActor struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

type apiEvent struct {
	ID        string            `json:"id"`
	At        *string           `json:"at"`
	Type      string            `json:"type"`
	Actor     apiActor          `json:"actor"`
	MemberID  string            `json:"member_id"`
	IP        string            `json:"ip"`
	UserAgent string            `json:"user_agent"`
	Details   map[string]string `json:"details"`
	RequestID string            `json:"request_id"`
}

func (s apiEndpoints) apiAuditEvents(w http.ResponseWriter, r *http.Request, c *apiCall) {
	q, ok := parseAPIQuery(w, r, "member_id", "actor_id", "type", "since", "until", "limit", "cursor")
	if !ok {
		return
	}
	f := gatehouse.AuditFilter{MemberID: q.Get("member_id"), ActorID: q.Get("actor_id"), Cursor: q.Get("cursor"), Limit: q.Limit}
	for _, v := range q.Values["type"] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				f.Types = append(f.Types, gatehouse.EventType(t))
			}
		}
	}
	var errs []gatehouse.FieldError
	var fe *gatehouse.FieldError
	if f.Since, fe = parseAPITime("since", q.Get("since")); fe != nil {
		errs = append(errs, *fe)
	}
	if f.Until, fe = parseAPITime("until", q.Get("until")); fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		s.problem(w, r, gatehouse.InvalidFields("web.apiAuditEvents", errs...))
		return
	}
	evs, next, err := s.Admin.AuditEvents(r.Context(), c.Actor, c.OrgID, f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := struct {
		Events     []apiEvent `json:"events"`
		NextCursor *string    `json:"next_cursor"`
	}{Events: []apiEvent{}, NextCursor: apiCursor(next)}
	for _, e := range evs {
		d := e.Details
		if d == nil {
			d = map[string]string{}
		}
		out.Events = append(out.Events, apiEvent{ID: e.ID, At: apiTimeText(e.At), Type: string(e.Type),
			Actor: apiActor{Kind: string(e.ActorKind), ID: e.ActorID, Name: e.ActorName}, MemberID: e.MemberID,
			IP: e.IP, UserAgent: e.UserAgent, Details: d, RequestID: e.RequestID})
	}
	writeJSON(w, http.StatusOK, out)
}

type apiMessage struct {
	ID            string  `json:"id"`
	MemberID      string  `json:"member_id"`
	Channel       string  `json:"channel"`
	Kind          string  `json:"kind"`
	To            string  `json:"to"`
	Subject       string  `json:"subject"`
	Status        string  `json:"status"`
	Attempts      int     `json:"attempts"`
	LastError     string  `json:"last_error"`
	CreatedAt     *string `json:"created_at"`
	NextAttemptAt *string `json:"next_attempt_at"`
	LastAttemptAt *string `json:"last_attempt_at"`
	SentAt        *string `json:"sent_at"`
	// Resendable: a failed notice, which POST .../resend sends again.
	Resendable bool `json:"resendable"`
}

func (s apiEndpoints) apiMessages(w http.ResponseWriter, r *http.Request, c *apiCall) {
	q, ok := parseAPIQuery(w, r, "status", "channel", "member_id", "limit", "cursor")
	if !ok {
		return
	}
	ms, next, err := s.Admin.Messages(r.Context(), c.Actor, c.OrgID, gatehouse.MessageFilter{
		Status: gatehouse.MessageStatus(q.Get("status")), Channel: gatehouse.Channel(q.Get("channel")),
		MemberID: q.Get("member_id"), Cursor: q.Get("cursor"), Limit: q.Limit,
	})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := struct {
		Messages   []apiMessage `json:"messages"`
		NextCursor *string      `json:"next_cursor"`
	}{Messages: []apiMessage{}, NextCursor: apiCursor(next)}
	for _, m := range ms {
		out.Messages = append(out.Messages, toAPIMessage(m))
	}
	writeJSON(w, http.StatusOK, out)
}

// toAPIMessage is a message as the API shows it, without its bodies.
func toAPIMessage(m *gatehouse.Message) apiMessage {
	a := apiMessage{ID: m.ID, MemberID: m.MemberID, Channel: string(m.Channel), Kind: m.Kind, To: m.To, Subject: m.Subject,
		Status: string(m.Status), Attempts: m.Attempts, LastError: m.LastError, CreatedAt: apiTimeText(m.CreatedAt),
		LastAttemptAt: apiTimeText(m.LastAttemptAt), SentAt: apiTimeText(m.SentAt), Resendable: m.Resendable()}
	if m.Status == gatehouse.MessageQueued {
		a.NextAttemptAt = apiTimeText(m.NextAttemptAt)
	}
	return a
}

// apiResendMessage sends a failed notice again (admin.ResendMessage) and
// answers with the new message, queued.
func (s apiEndpoints) apiResendMessage(w http.ResponseWriter, r *http.Request, c *apiCall) {
	var in struct{}
	if !decodeJSON(w, r, &in, true) {
		return
	}
	m, err := s.Admin.ResendMessage(r.Context(), c.Actor, s.client(r), c.OrgID, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, toAPIMessage(m))
}
