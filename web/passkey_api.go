package web

import (
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
)

// apiRemovePasskeys removes every passkey of a member:
// DELETE /api/v1/members/{id}/passkeys.
func apiRemovePasskeys(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	c.MemberID = r.PathValue("id")
	if s.Passkeys == nil {
		s.problem(w, r, gatehouse.Errorf(gatehouse.NotFound, "web.apiRemovePasskeys", "Passkeys are not available."))
		return
	}
	m, err := s.Admin.Member(r.Context(), c.Actor, c.OrgID, c.MemberID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	n, err := s.Passkeys.RemoveByAdministrator(r.Context(), c.Actor, m, "", s.client(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Removed int `json:"removed"`
	}{n})
}
