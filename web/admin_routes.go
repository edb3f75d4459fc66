package web

// adminPages are the admin area (/admin): the member list, bulk activation,
// settings, the audit log, the messages sent and API keys. Every handler
// checks that the signed-in member may administer (admin.go). A member's own
// page is adminMemberPages; admin features of their own (webhooks) embed
// adminPages the same way.
type adminPages struct{ *Server }

// adminMemberPages are one member's administration: the new-member form
// (admin_member_new.go) and the member page with its actions
// (admin_member.go).
type adminMemberPages struct{ adminPages }

func (s adminPages) routes() {
	s.route("GET /admin", s.adminHome)
	s.route("GET /admin/{$}", s.adminHome)
	s.route("GET /admin/members", s.adminMembers)
	s.route("POST /admin/members/bulk", s.adminBulkStart)
	s.route("GET /admin/members/bulk", s.adminBulkConfirm)
	s.route("POST /admin/members/bulk/apply", s.adminBulkApply)
	s.route("POST /admin/members/activation", s.adminActivationConfirm)
	s.route("POST /admin/members/activation/send", s.adminActivationSend)
	s.route("GET /admin/activation/{id}", s.adminActivationPage)
	s.route("GET /admin/settings", s.adminSettingsPage)
	s.route("POST /admin/settings", s.adminSettingsSave)
	s.route("GET /admin/audit", s.adminAudit)
	s.route("GET /admin/audit.csv", s.adminAuditCSV)
	s.route("GET /admin/messages", s.adminMessages)
	s.route("POST /admin/messages/{id}/resend", s.adminResendMessage)
	s.route("GET /admin/api-keys", s.adminAPIKeys)
	s.route("POST /admin/api-keys", s.adminCreateAPIKey)
	s.route("POST /admin/api-keys/{id}/revoke", s.adminRevokeAPIKey)
}

func (s adminMemberPages) routes() {
	s.route("GET /admin/members/new", s.adminNewMemberPage)
	s.route("POST /admin/members/new", s.adminNewMember)
	s.route("GET /admin/members/{id}", s.adminMember)
	s.route("POST /admin/members/{id}/profile", s.adminMemberProfile)
	s.route("POST /admin/members/{id}/activation", s.adminMemberActivation)
	s.route("POST /admin/members/{id}/password", s.adminMemberPassword)
	s.route("POST /admin/members/{id}/disable", s.adminMemberState(false))
	s.route("POST /admin/members/{id}/enable", s.adminMemberState(true))
	s.route("POST /admin/members/{id}/sessions/end", s.adminMemberEndSessions)
	s.route("POST /admin/members/{id}/throttle/lift", s.adminMemberLiftThrottle)
	s.route("GET /admin/members/{id}/delete", s.adminMemberDeletePage)
	s.route("POST /admin/members/{id}/delete", s.adminMemberDelete)
	s.route("POST /admin/members/{id}/verify-pin", s.adminVerifyPIN)
	for _, fa := range []factorAction{factorApp, factorRecoveryCodes, factorBrowsers, factorSetup} {
		s.route("POST /admin/members/{id}/"+fa.Page, s.adminMemberFactor(fa))
	}
}
