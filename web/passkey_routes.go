package web

// passkeyPages serve passkeys: the member's list on /account/passkeys (add,
// rename, remove; passkey_account.go) and the ceremonies of sign-in
// (passkey_signin.go): with a passkey alone from /login, and as the second
// factor on /login/verify, whose answer goes to POST /login/verify with
// method=passkey like every other second factor. The browser's side is
// static/passkey.js.
type passkeyPages struct{ *Server }

func (s passkeyPages) routes() {
	s.route("GET /account/passkeys", s.listPage)
	s.route("POST /account/passkeys/new", s.addStart)
	s.route("POST /account/passkeys/finish", s.addFinish)
	s.route("POST /account/passkeys/{id}/rename", s.rename)
	s.route("POST /account/passkeys/{id}/remove", s.remove)

	s.route("POST /login/passkey/options", s.signInOptions)
	s.route("POST /login/passkey", s.signIn)
	s.route("POST /login/verify/passkey/options", s.secondFactorOptions)

	s.route("POST /admin/members/{id}/passkeys/{passkey}/remove", s.adminRemove)
	s.route("POST /admin/members/{id}/passkeys/remove", s.adminRemove)
}
