package gatehouse

// Security notices. When a member's email address, mobile number, authenticator
// app or recovery codes change, the member is emailed what changed, when, from
// where and what to do if it was not them; an address that is replaced hears of
// it too, so that someone who takes over an account cannot quietly move its mail
// elsewhere. The notice is queued in the transaction of the change.

// What a Change is about.
const (
	ChangeEmail         = "email"          // the personal email address
	ChangeWorkEmail     = "work_email"     // the work email address
	ChangeMobile        = "mobile"         // the mobile number, which receives codes by SMS
	ChangeApp           = "app"            // an authenticator app
	ChangeRecoveryCodes = "recovery_codes" // a new set of recovery codes replaced the old one
	ChangePasskey       = "passkey"        // a passkey added (New: its name), renamed or removed (Old: its name)
	// ChangeTrustedBrowsers: every trusted browser forgotten (Old: how many).
	ChangeTrustedBrowsers = "trusted_browsers"
	// ChangeSecondFactorSetup: a second factor is to be set up at the next
	// sign-in (New: "required").
	ChangeSecondFactorSetup = "second_factor_setup"
)

// Who made a change, for MessageData.By.
const (
	ByAdministrator = "administrator" // an administrator, or the operator's command line
	ByAPI           = "api"           // an application with an API key
)

// Change is one change a security notice reports. Old and New are what the
// member may be shown of the values, masked (MaskEmail, MaskPhone); "" means
// none. For an app, "" means none and any other value that there is one.
type Change struct {
	What     string
	Old, New string
}

// Added reports whether the change gave the member something they had not.
func (c Change) Added() bool { return c.Old == "" && c.New != "" }

// Removed reports whether the change took something away.
func (c Change) Removed() bool { return c.Old != "" && c.New == "" }

// FactorRemoved reports whether the change took away a way of proving the
// second factor: the mobile number or the authenticator app.
func (c Change) FactorRemoved() bool {
	return c.Removed() && (c.What == ChangeMobile || c.What == ChangeApp || c.What == ChangePasskey)
}

// FactorRemoved reports whether any of the changes took away a way of proving
// the second factor, which a notice points out.
func (d MessageData) FactorRemoved() bool {
	for _, c := range d.Changes {
		if c.FactorRemoved() {
			return true
		}
	}
	return false
}
