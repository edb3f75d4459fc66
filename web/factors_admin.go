package web

import (
	"context"
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
)

// An administrator's changes of a member's second factors besides passkeys
// (passkey_admin.go): remove the authenticator app, invalidate the recovery
// codes, stop trusting every browser, require a second factor to be set up
// at the next sign-in. Each asks first on the member page (the "confirm"
// template), then posts here and comes back to the page; the API does the
// same without the question. The rules are in package admin.

// factorAction is one change of a member's second factors as the page and
// the API name it: its path under the member, its notice on the page, and
// the use case, which returns how many things it changed (0: nothing to do).
type factorAction struct {
	// Path is the API's, under /api/v1/members/{id}/; Page the page's,
	// under /admin/members/{id}/.
	Path, Page, Done, Field string
	Do                      func(s *Server, ctx context.Context, actor gatehouse.Actor, c gatehouse.Client, orgID, id string) (int, error)
}

var (
	factorApp = factorAction{"authenticator", "authenticator/remove", "app_removed", "removed", func(s *Server, ctx context.Context, a gatehouse.Actor, c gatehouse.Client, org, id string) (int, error) {
		ok, err := s.Admin.RemoveAuthenticator(ctx, a, c, org, id)
		if ok {
			return 1, err
		}
		return 0, err
	}}
	factorRecoveryCodes = factorAction{"recovery-codes", "recovery-codes/remove", "recovery_codes_invalidated", "invalidated", func(s *Server, ctx context.Context, a gatehouse.Actor, c gatehouse.Client, org, id string) (int, error) {
		return s.Admin.InvalidateRecoveryCodes(ctx, a, c, org, id)
	}}
	factorBrowsers = factorAction{"trusted-browsers", "trusted-browsers/remove", "browsers_forgotten", "forgotten", func(s *Server, ctx context.Context, a gatehouse.Actor, c gatehouse.Client, org, id string) (int, error) {
		return s.Admin.ForgetBrowsers(ctx, a, c, org, id)
	}}
	factorSetup = factorAction{"second-factor-setup", "second-factor-setup", "setup_required", "requested", func(s *Server, ctx context.Context, a gatehouse.Actor, c gatehouse.Client, org, id string) (int, error) {
		ok, err := s.Admin.RequireSecondFactorSetup(ctx, a, c, org, id)
		if ok {
			return 1, err
		}
		return 0, err
	}}
)

// adminMemberFactor serves POST /admin/members/{id}/<Page>.
func (s adminMemberPages) adminMemberFactor(fa factorAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.parseForm(w, r) {
			return
		}
		viewer, actor, ok := s.admin(w, r)
		if !ok {
			return
		}
		n, err := fa.Do(s.Server, r.Context(), actor, s.client(r), s.orgID(r), r.PathValue("id"))
		if err != nil {
			s.memberFailed(w, r, viewer, actor, err, nil)
			return
		}
		if n == 0 {
			s.memberDone(w, r, "unchanged") // asked twice: done the first time
			return
		}
		s.memberDone(w, r, fa.Done)
	}
}

// apiMemberFactor serves DELETE (POST for the setup) /api/v1/members/{id}/<Path>:
// how many things it changed, 0 when there was nothing left to do.
func apiMemberFactor(fa factorAction) func(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	return func(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
		c.MemberID = r.PathValue("id")
		n, err := fa.Do(s.Server, r.Context(), c.Actor, s.client(r), c.OrgID, c.MemberID)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{fa.Field: n})
	}
}
