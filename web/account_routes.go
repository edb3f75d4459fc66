package web

// accountPages are a signed-in member's self-service pages: the account page
// with the member's sessions, the password and the support PIN.
type accountPages struct{ *Server }

func (s accountPages) routes() {
	s.route("GET /account", s.accountPage)
	s.route("POST /account/sessions/{id}/end", s.endSession)
	s.route("POST /account/sessions/end-others", s.endOtherSessions)
	s.route("POST /account/sessions/end-all", s.signOutEverywhere)
	s.route("GET /account/password", s.passwordPage)
	s.route("POST /account/password", s.passwordSubmit)
	s.route("GET /account/pin", s.pinPage)
	s.route("POST /account/pin", s.pinSubmit)
}
