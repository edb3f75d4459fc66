package web

// profilePages are a member's own profile: the display name, changed at once,
// and the email addresses, changed once a link sent to the new address is
// opened (package profile). The confirmation link works signed out too: it
// may be opened on another device than the one that asked.
type profilePages struct{ *Server }

func (s profilePages) routes() {
	s.route("GET /account/profile", s.profilePage)
	s.route("POST /account/profile/name", s.nameSubmit)
	s.route("POST /account/profile/email", s.emailSubmit)
	s.route("POST /account/profile/email/cancel", s.emailCancel)
	s.route("GET /account/email/confirm", s.confirmPage)
	s.route("POST /account/email/confirm", s.confirmSubmit)
	s.route("GET /account/email/confirmed", s.confirmedPage)
}
