package web

import "net/http"

// forwardPages answers reverse proxies that ask before every request to an
// application whether its visitor may pass (docs/forward-auth.md). The
// sign-in and second-factor pages use it for where a sign-in returns to.
type forwardPages struct{ *Server }

func (f forwardPages) routes() {
	f.route("GET /auth/forward", f.check)
}

// nextParam returns what a sign-in carries along as "next": an absolute URL
// on a host forward-auth protects, or else a path on this server (safeNext).
func (f forwardPages) nextParam(next string) string {
	if u := f.Config.ForwardAuth.ReturnURL(next); u != "" {
		return u
	}
	return safeNext(next)
}

// goNext sends the browser where a completed sign-in continues: back to a
// protected application, or to a path on this server.
func (f forwardPages) goNext(w http.ResponseWriter, r *http.Request, next string) {
	if u := f.Config.ForwardAuth.ReturnURL(next); u != "" {
		http.Redirect(w, r, u, http.StatusSeeOther)
		return
	}
	f.redirect(w, r, safeNext(next), nil)
}
