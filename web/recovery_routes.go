package web

// recoveryRoutes registers the forgotten-password and activation pages
// (forgot.go, reset.go).
func (s *Server) recoveryRoutes() {
	s.route("GET /forgot-password", s.forgotPage)
	s.route("POST /forgot-password", s.forgotSubmit)
	s.route("GET /reset-password", s.resetPage)
	s.route("POST /reset-password", s.resetSubmit)
	s.route("GET /activate", s.activatePage)
	s.route("POST /activate", s.activateSubmit)
}
