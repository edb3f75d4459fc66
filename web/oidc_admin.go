package web

// oidcAdminRoutes registers the clients' admin pages and API.
func (s *Server) oidcAdminRoutes(o *oidcPages) {}
