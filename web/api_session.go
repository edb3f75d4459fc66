package web

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
)

// SessionInfo is the answer of GET /api/v1/session.
type SessionInfo struct {
	ID           string `json:"id"`
	Username     string `json:"username"`
	DisplayName  string `json:"display_name"`
	Email        string `json:"email"`
	WorkEmail    string `json:"work_email,omitempty"`
	Role         string `json:"role"`
	Organization string `json:"organization"`
	SessionID    string `json:"session_id"`
	ExpiresAt    string `json:"expires_at"`
}

// apiSession tells a business application who the browser's session belongs to.
// It is the hot path of every integration: one indexed read, no writes in the
// common case.
func (s apiEndpoints) apiSession(w http.ResponseWriter, r *http.Request) {
	sess, m, err := s.current(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if sess == nil || sess.Stage != gatehouse.StageActive {
		w.Header().Set("WWW-Authenticate", `Cookie realm="gatehouse"`)
		writeProblem(w, r, Problem{Type: "about:blank", Title: "Unauthorized", Status: http.StatusUnauthorized, Detail: "You are not signed in."})
		return
	}
	exp := sess.IdleExpiresAt
	if sess.ExpiresAt.Before(exp) {
		exp = sess.ExpiresAt
	}
	// ExpiresAt is written from exp (FuzzSessionJSON).
	writeSessionJSON(w, &SessionInfo{
		ID: m.ID, Username: m.Username, DisplayName: m.DisplayName, Email: m.Email, WorkEmail: m.WorkEmail,
		Role: string(m.Role), Organization: m.OrgID, SessionID: sess.ID,
	}, exp)
}
