package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
	"github.com/gatehouse-auth/gatehouse/session"
)

// current returns the request's session and member at any stage, or nils.
// Errors other than "no session" (the database is down) are returned. It is
// the one place every page, form and GET /api/v1/session reads the session
// from: a session of a member of another organization than the request's is
// no session (Account.Authenticate checks it).
func (s *Server) current(r *http.Request) (*gatehouse.Session, *gatehouse.Member, error) {
	token, ok := cookieValue(r, s.SessionCookieName())
	if !ok || token == "" {
		return nil, nil, nil
	}
	var sess *gatehouse.Session
	var m *gatehouse.Member
	var err error
	if o := orgOf(r); o != nil {
		sess, m, err = s.SignIn.AuthenticateIn(r.Context(), o, token)
	} else {
		sess, m, err = s.SignIn.Authenticate(r.Context(), s.orgID(r), token)
	}
	if err == session.ErrNoSession {
		return nil, nil, nil
	}
	if req := i18n.RequestOf(r.Context()); req != nil && m != nil {
		req.Member = m.ID // a message to somebody else is not in this member's language
	}
	return sess, m, err
}

// signedIn returns the active session and member, or answers the request itself
// (a redirect to the page that completes the sign-in, or to the sign-in page) and
// returns ok=false.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) (*gatehouse.Session, *gatehouse.Member, bool) {
	sess, m, err := s.current(r)
	if err != nil {
		s.fail(w, r, err)
		return nil, nil, false
	}
	if sess == nil {
		if r.Method == http.MethodGet {
			s.redirect(w, r, "/login", url.Values{"next": {r.URL.Path}})
		} else {
			s.redirect(w, r, "/login", nil)
		}
		return nil, nil, false
	}
	if sess.Stage != gatehouse.StageActive {
		s.redirect(w, r, stagePath(sess.Stage), nil)
		return nil, nil, false
	}
	return sess, m, true
}

// stagePath is the page that completes a sign-in at stage.
func stagePath(st gatehouse.Stage) string {
	switch st {
	case gatehouse.StageRenewPassword:
		return "/login/renew"
	case gatehouse.StageSecondFactor:
		return "/login/verify"
	case gatehouse.StageSetupSecondFactor:
		return "/login/setup"
	}
	return "/account"
}

// safeNext returns next when it is a path on this server, else /account, so the
// sign-in page cannot be used to send people elsewhere.
func safeNext(next string) string {
	if len(next) < 2 || len(next) > 512 || next[0] != '/' || next[1] == '/' || next[1] == '\\' {
		return "/account"
	}
	u, err := url.Parse(next)
	if err != nil || u.IsAbs() || u.Host != "" {
		return "/account"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/account"
		}
	}
	// The path is what is used, decoded: "/%2F%2Fevil.example" decodes to
	// "///evil.example", which a browser would take for another host if it
	// were ever sent as a relative redirect. Judge the decoded path too.
	if len(u.Path) < 1 || u.Path[0] != '/' || strings.HasPrefix(u.Path, "//") || strings.ContainsAny(u.Path, "\\\x00") {
		return "/account"
	}
	return u.Path
}
