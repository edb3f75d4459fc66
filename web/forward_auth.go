package web

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/forwardauth"
)

// check answers GET /auth/forward: 200 with the member's identity in
// Remote-* headers for a fully signed-in session (second factor done, no
// password renewal pending) whose role the host's rule allows; 403 when the
// rule refuses the role; otherwise 401, which for a browser through Traefik
// or Caddy is a 302 to the sign-in page that returns to the original URL,
// and for nginx carries that address in Location for its error_page.
func (f forwardPages) check(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	cfg := &f.Config.ForwardAuth
	if !cfg.Enabled() {
		f.forwardRefused(w, http.StatusNotFound, "Not Found", "Forward-auth is not configured (GATEHOUSE_FORWARD_AUTH_HOSTS).")
		return
	}
	if peer, ok := peerAddr(r); !ok || !cfg.Trusted(peer) {
		f.Log.WarnContext(r.Context(), "forward-auth question from an address that is not a configured proxy",
			"peer", r.RemoteAddr, "setting", "GATEHOUSE_FORWARD_AUTH_PROXIES")
		f.forwardRefused(w, http.StatusForbidden, "Forbidden", "This address is not a configured proxy.")
		return
	}
	tg, err := forwardauth.TargetOf(r.Header)
	if err != nil {
		f.forwardRefused(w, http.StatusBadRequest, "Bad Request", err.Error())
		return
	}
	rule := cfg.Rule(tg.URL.Host)
	if rule == nil {
		f.Log.WarnContext(r.Context(), "forward-auth question about a host that is not protected", "host", tg.URL.Host)
		f.forwardRefused(w, http.StatusForbidden, "Forbidden", "The host is not one Gatehouse protects.")
		return
	}
	sess, m, err := f.current(r)
	if err != nil {
		f.problem(w, r, err)
		return
	}
	if sess == nil || sess.Stage != gatehouse.StageActive {
		f.signInFirst(w, r, tg)
		return
	}
	if !rule.Allows(m.Role) {
		f.forwardRefused(w, http.StatusForbidden, "Forbidden", "Your role may not use this application.")
		return
	}
	h := w.Header()
	email := m.Email
	if email == "" {
		email = m.WorkEmail
	}
	for _, kv := range [][2]string{
		{"Remote-User", m.Username}, {"Remote-Email", email}, {"Remote-Name", m.DisplayName}, {"Remote-Groups", string(m.Role)},
		{"X-Auth-Request-User", m.Username}, {"X-Auth-Request-Email", email}, {"X-Auth-Request-Groups", string(m.Role)},
	} {
		h.Set(kv[0], headerValue(kv[1]))
	}
	w.WriteHeader(http.StatusOK)
}

// signInFirst answers a visitor without a complete session.
func (f forwardPages) signInFirst(w http.ResponseWriter, r *http.Request, tg *forwardauth.Target) {
	login := f.link("/login", map[string][]string{"next": {tg.URL.String()}})
	browser := (tg.Method == http.MethodGet || tg.Method == http.MethodHead) &&
		strings.Contains(strings.ToLower(r.Header.Get("Accept")), "text/html")
	switch {
	case tg.Nginx:
		// auth_request passes on only 2xx, 401 and 403; the configuration
		// in docs/forward-auth.md turns this Location into the redirect.
		w.Header().Set("Location", login)
	case browser:
		http.Redirect(w, r, login, http.StatusFound)
		return
	}
	w.Header().Set("WWW-Authenticate", `Cookie realm="gatehouse"`)
	f.forwardRefused(w, http.StatusUnauthorized, "Unauthorized", "You are not signed in.")
}

func (f forwardPages) forwardRefused(w http.ResponseWriter, status int, title, detail string) {
	writeProblem(w, nil, Problem{Type: "about:blank", Title: title, Status: status, Detail: detail})
}

// headerValue makes s safe as a header value: no control characters.
func headerValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
