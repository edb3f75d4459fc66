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
	w.Header()["Cache-Control"] = noStore
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
	// A passed check's answer is read by the proxy alone (its body is
	// empty, and its headers reach the application, never a browser): the
	// browser policies, there for the refusals a proxy hands on, go.
	for _, name := range browserOnlyAPIHeaders {
		delete(h, name)
	}
	setIdentity(h, m)
	w.WriteHeader(http.StatusOK)
}

// browserOnlyAPIHeaders are the headers of the API set (securityHeaders)
// that only a browser reads.
var browserOnlyAPIHeaders = [...]string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Cross-Origin-Resource-Policy"}

// identityHeaders are the names of the identity headers of a passed check,
// canonical already (a literal key in the map skips canonicalizing it).
var identityHeaders = [...]string{
	"Remote-User", "Remote-Email", "Remote-Name", "Remote-Groups",
	"X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups",
}

// setIdentity sets the member's identity headers, every one of them, so
// that no header a client sent can stand in for it, with one slice for
// all their values (Header.Set would make one each, on every check). Each
// value has room for itself only, so a later Add copies rather than writes
// into its neighbour.
func setIdentity(h http.Header, m *gatehouse.Member) {
	email := m.Email
	if email == "" {
		email = m.WorkEmail
	}
	user, email, name, role := headerValue(m.Username), headerValue(email), headerValue(m.DisplayName), headerValue(string(m.Role))
	vs := []string{user, email, name, role, user, email, role}
	for i, name := range identityHeaders {
		h[name] = vs[i : i+1 : i+1]
	}
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

// headerValue makes s safe as a header value: no control characters. A
// value without any, as nearly every one is, is returned as it is.
func headerValue(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
