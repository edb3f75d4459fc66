package web

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
)

// An administrator's page request that names an id their organization does
// not have (404, or 410 for a confirmation) is written to their own
// organization's audit log as request.refused with reason not_in_org, as the
// API's calls are (api.call with the status). This covers every admin route
// whose path names an id, whichever handler serves it: Server.route wraps
// them. The answer itself is unchanged, and never tells another
// organization's id from an id that exists nowhere.

// auditsNotInOrg reports whether pattern is an admin page route naming an id.
func auditsNotInOrg(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return strings.HasPrefix(path, "/admin/") && strings.Contains(path, "{")
}

// codeWriter remembers the status a handler answered with.
type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *codeWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// auditNotInOrg wraps the handler of pattern.
func (s *Server) auditNotInOrg(pattern string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cw := &codeWriter{ResponseWriter: w}
		h(cw, r)
		if cw.code != http.StatusNotFound && cw.code != http.StatusGone {
			return
		}
		_, m, err := s.current(r)
		if err != nil || m == nil || !m.Role.IsAdmin() {
			return // nobody accountable: a visitor's 404 is no refusal of theirs
		}
		if err := s.Account.AuditNotInOrg(r.Context(), gatehouse.MemberActor(m), account.RefusedRequest{
			OrgID: m.OrgID, Method: r.Method, Path: r.URL.Path, Client: s.client(r)}, pattern, cw.code); err != nil {
			s.Log.WarnContext(r.Context(), "auditing a refused admin request", "route", pattern, "err", err)
		}
	}
}
