package web

// signinPages serves sign-in and sign-out: the sign-in form, the forced
// password renewal that may follow it, and sign-out. The second step of a
// sign-in (/login/verify) belongs to the two-factor pages.
type signinPages struct{ *Server }

func (s signinPages) routes() {
	s.route("GET /{$}", s.home)
	s.route("GET /login", s.loginPage)
	s.route("POST /login", s.loginSubmit)
	s.route("POST /logout", s.logout)
	s.route("GET /login/renew", s.renewPage)
	s.route("POST /login/renew", s.renewSubmit)
}
