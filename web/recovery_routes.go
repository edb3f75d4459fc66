package web

// recoveryPages are the pages a member reaches without a session to get one:
// the forgotten-password form, the reset and activation links
// (recovery_reset.go) and the one-time setup link (recovery_setup.go).
type recoveryPages struct{ *Server }

func (s recoveryPages) routes() {
	s.route("GET /forgot-password", s.forgotPage)
	s.route("POST /forgot-password", s.forgotSubmit)
	s.route("GET /reset-password", s.resetPage)
	s.route("POST /reset-password", s.resetSubmit)
	s.route("GET /activate", s.activatePage)
	s.route("POST /activate", s.activateSubmit)
	s.route("GET /setup", s.setupPage)
	s.route("POST /setup", s.setupSubmit)
}
