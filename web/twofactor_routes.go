package web

// twofactorPages serve two-factor sign-in: the second step of a sign-in
// (twofactor_verify.go), the setup of a second factor that an administrator
// must have (twofactor_setup.go), the authenticator app and recovery codes
// (twofactor_app.go), trusted browsers (twofactor_devices.go) and the mobile
// number (twofactor_mobile.go).
type twofactorPages struct{ *Server }

func (s twofactorPages) routes() {
	s.route("GET /login/verify", s.verifyPage)
	s.route("POST /login/verify", s.verifySubmit)
	s.route("POST /login/verify/send", s.verifySend)
	s.route("GET /login/setup", s.setupPage)
	s.route("POST /login/setup", s.setupSubmit)

	s.route("GET /account/devices", s.devicesPage)
	s.route("POST /account/devices/{id}/revoke", s.revokeDevice)
	s.route("POST /account/devices/revoke-all", s.revokeDevices)

	s.route("GET /account/mobile", s.mobilePage)
	s.route("POST /account/mobile", s.mobileSubmit)
	s.route("GET /account/mobile/confirm", s.mobileConfirmPage)
	s.route("POST /account/mobile/confirm", s.mobileConfirmSubmit)
	s.route("POST /account/mobile/resend", s.mobileResend)
	s.route("POST /account/mobile/remove", s.mobileRemove)

	s.route("GET /account/two-factor", s.twoFactorPage)
	s.route("POST /account/two-factor/app", s.enrolStart)
	s.route("POST /account/two-factor/app/confirm", s.enrolConfirm)
	s.route("POST /account/two-factor/app/remove", s.appRemove)
	s.route("POST /account/two-factor/recovery-codes", s.recoveryCodesSubmit)
	s.route("GET /account/two-factor/recovery-codes", s.recoveryCodesPage)
}
