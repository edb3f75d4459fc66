package web

// adminRoutes registers the routes of this capability (see the issue tracker).
func (s *Server) adminRoutes() {}
