package web

// apiRoutes registers the routes of this capability (see the issue tracker).
func (s *Server) apiRoutes() {}
