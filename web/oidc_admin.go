package web

// adminRoutes registers the clients' admin pages and API.
func (o oidcPages) adminRoutes() {}
