package web

// webhookPages are /admin/webhooks: an organization's webhook endpoints
// (create, show the secret once, rotate it, delete) and
// /admin/webhooks/deliveries, the status of their deliveries; and, through
// webhookEndpoints, /api/v1/webhooks (docs/webhooks.md). They are admin
// pages: the admin area's checks and layout (adminPages) serve them.
type webhookPages struct{ *Server }

func (p webhookPages) routes() {
	p.route("GET /admin/webhooks", p.list)
	p.route("POST /admin/webhooks", p.create)
	p.route("POST /admin/webhooks/{id}/rotate", p.rotate)
	p.route("POST /admin/webhooks/{id}/delete", p.remove)
	p.route("GET /admin/webhooks/deliveries", p.deliveries)
	// The API keys' authentication and audit are the management API's.
	for _, rt := range webhookAPIRoutes {
		p.route(rt.Method+" "+apiPrefix+rt.Path, apiEndpoints(p).apiHandler(rt))
	}
}
