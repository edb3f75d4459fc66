package gatehouse

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Settings are an organization's security settings. Every field has a registered
// definition (SettingDefs) that gives its stable name, default, allowed range and
// explanation; the zero Settings is not valid, start from DefaultSettings.
type Settings struct {
	OrganizationName string
	Appearance       // product name, accent colour, default language and time zone

	// Passwords (S1, S2, S8, S9, S10, S32).
	AllowPasswordChange    bool
	PasswordMinLength      int
	PasswordMaxLength      int
	PasswordRequireLower   bool
	PasswordRequireUpper   bool
	PasswordRequireDigit   bool
	PasswordRequireSpecial bool
	PasswordHistory        int
	PasswordMaxAgeDays     int

	// Sessions and sign-in throttling.
	SessionIdleTimeout        time.Duration
	SessionAbsoluteTimeout    time.Duration
	SigninFreeAttempts        int
	SigninAddressFreeAttempts int
	SigninMaxDelay            time.Duration

	// Recovery and activation (S3-S7, S15-S22, S31).
	ForgotPasswordEnabled     bool
	ResetLinkTTL              time.Duration
	ActivationLinkTTL         time.Duration
	ResetConfirmEmail         bool
	ResetSignsIn              bool
	ResetForAdministrators    bool
	ResetRequestsPerHour      int
	ResetRequiresSecondFactor bool
	Captcha                   string
	CaptchaSiteKey            string
	CaptchaSecret             string
	MailFromAddress           string
	MailFromName              string

	// Two-factor sign-in (S11-S14, S16).
	TwoFactor               string
	TwoFactorEmail          bool
	TwoFactorCodeTTL        time.Duration
	TwoFactorResendCooldown time.Duration
	TwoFactorSendsPerHour   int
	TrustedDeviceDays       int

	// Passkeys and second factors of administrators (issue 13).
	PasskeySignIn                      bool
	PasskeyAAGUIDs                     string
	PasskeyUVSecondFactor              bool
	TwoFactorForAdministrators         string
	TwoFactorAdminMethods              string
	TrustedDeviceDaysForAdministrators int

	// Administration and API (S28).
	SupportPINRequiredForOwners bool
	APIRequestsPerMinute        int

	// Applications signing in through Gatehouse (OpenID Connect, issue 15).
	OIDCAccessTokenTTL time.Duration // 0: the installation's default
}

// SettingDefs lists every setting in display order. docs/settings.md documents
// the same list; a test keeps the two in step.
var SettingDefs = append([]SettingDef{
	stringDef("organization_name", "Organization", "Organization name",
		"Shown on every page and in every email. Also a context word that passwords may not contain.",
		"Gatehouse", 100, false, func(s *Settings) *string { return &s.OrganizationName }),

	boolDef("allow_password_change", "Passwords", "Members may change their own password",
		"When off, only administrators set passwords. Keep it on when passwords expire.",
		true, func(s *Settings) *bool { return &s.AllowPasswordChange }),
	intDef("password_min_length", "Passwords", "Minimum length",
		"Characters a password needs at least. 15 is what NIST SP 800-63B-4 asks of a password that is the only factor; never below 8.",
		15, 8, 64, func(s *Settings) *int { return &s.PasswordMinLength }),
	intDef("password_max_length", "Passwords", "Maximum length",
		"Characters a password may have at most. Long passphrases are welcome; the limit only bounds the work of hashing.",
		128, 128, 1024, func(s *Settings) *int { return &s.PasswordMaxLength }),
	boolDef("password_require_lower", "Passwords", "Require a lowercase letter",
		"Composition rules make passwords harder to remember without making them much stronger (NIST SP 800-63B); off by default.",
		false, func(s *Settings) *bool { return &s.PasswordRequireLower }),
	boolDef("password_require_upper", "Passwords", "Require an uppercase letter",
		"See password_require_lower.", false, func(s *Settings) *bool { return &s.PasswordRequireUpper }),
	boolDef("password_require_digit", "Passwords", "Require a digit",
		"See password_require_lower.", false, func(s *Settings) *bool { return &s.PasswordRequireDigit }),
	boolDef("password_require_special", "Passwords", "Require a special character",
		"A character that is neither a letter nor a digit. See password_require_lower.", false, func(s *Settings) *bool { return &s.PasswordRequireSpecial }),
	intDef("password_history", "Passwords", "Passwords remembered",
		"How many recent passwords, the current one included, may not be chosen again.",
		5, 1, 24, func(s *Settings) *int { return &s.PasswordHistory }),
	intDef("password_max_age_days", "Passwords", "Password lifetime (days)",
		"Days after its last change when a password expires and must be renewed at the next sign-in. 0 means never, as NIST advises.",
		0, 0, 3650, func(s *Settings) *int { return &s.PasswordMaxAgeDays }),

	durDef("session_idle_timeout", "Sign-in and sessions", "Idle timeout",
		"A session ends after this long without a request.",
		time.Hour, 5*time.Minute, 30*24*time.Hour, func(s *Settings) *time.Duration { return &s.SessionIdleTimeout }),
	durDef("session_absolute_timeout", "Sign-in and sessions", "Absolute timeout",
		"A session ends this long after sign-in, however active.",
		12*time.Hour, time.Hour, 90*24*time.Hour, func(s *Settings) *time.Duration { return &s.SessionAbsoluteTimeout }),
	intDef("signin_free_attempts", "Sign-in and sessions", "Failed sign-ins before delays (per account)",
		"After this many failed sign-ins with one username or email address as typed, each further attempt with it must wait, twice as long each time, up to the maximum delay. The same count applies to each account through all of its identifiers, unseen: an account over it refuses even the right password with the answer of a wrong one. Counted for unknown usernames too.",
		5, 1, 100, func(s *Settings) *int { return &s.SigninFreeAttempts }),
	intDef("signin_address_free_attempts", "Sign-in and sessions", "Failed sign-ins before delays (per address)",
		"The same, counted per client IP address. Higher than per account because offices share an address.",
		30, 1, 10000, func(s *Settings) *int { return &s.SigninAddressFreeAttempts }),
	durDef("signin_max_delay", "Sign-in and sessions", "Maximum delay",
		"The longest wait imposed after failed sign-ins. There is no permanent lockout, so an attacker cannot lock a member out for good.",
		15*time.Minute, time.Second, 24*time.Hour, func(s *Settings) *time.Duration { return &s.SigninMaxDelay }),

	boolDef("forgot_password_enabled", "Recovery", "Forgotten-password link",
		"Shows \"Forgot password?\" on the sign-in page and enables the recovery flow.",
		true, func(s *Settings) *bool { return &s.ForgotPasswordEnabled }),
	durDef("reset_link_ttl", "Recovery", "Reset link lifetime",
		"How long a forgotten-password link works.",
		30*time.Minute, 5*time.Minute, 24*time.Hour, func(s *Settings) *time.Duration { return &s.ResetLinkTTL }),
	durDef("activation_link_ttl", "Recovery", "Activation link lifetime",
		"How long an activation link (new account, or sent by an administrator) works.",
		7*24*time.Hour, time.Hour, 30*24*time.Hour, func(s *Settings) *time.Duration { return &s.ActivationLinkTTL }),
	boolDef("reset_confirm_email", "Recovery", "Ask for the email address on the reset page",
		"The reset page asks for the account's email address before the new password.",
		false, func(s *Settings) *bool { return &s.ResetConfirmEmail }),
	boolDef("reset_signs_in", "Recovery", "Sign in after a reset",
		"Off: after a reset the member signs in with the new password (OWASP ASVS). On: the member is signed in straight away.",
		false, func(s *Settings) *bool { return &s.ResetSignsIn }),
	boolDef("reset_for_administrators", "Recovery", "Self-service reset for administrators",
		"Off: administrators and owners are reset in the admin area only.",
		false, func(s *Settings) *bool { return &s.ResetForAdministrators }),
	intDef("reset_requests_per_hour", "Recovery", "Reset emails per account per hour",
		"Further requests within the hour get the same answer but send nothing.",
		3, 1, 20, func(s *Settings) *int { return &s.ResetRequestsPerHour }),
	boolDef("reset_requires_second_factor", "Recovery", "Second factor after a reset",
		"On: the sign-in that follows a reset still asks for the second factor. Off: it is skipped once.",
		true, func(s *Settings) *bool { return &s.ResetRequiresSecondFactor }),
	enumDef("captcha", "Recovery", "CAPTCHA on the forgotten-password form",
		"builtin: a self-hosted proof-of-work check, no third party. turnstile or hcaptcha: the provider's widget, verified with captcha_secret. off: none.",
		"builtin", []string{"builtin", "turnstile", "hcaptcha", "off"}, func(s *Settings) *string { return &s.Captcha }),
	stringDef("captcha_site_key", "Recovery", "CAPTCHA site key",
		"The public site key of the Turnstile or hCaptcha widget.", "", 200, false, func(s *Settings) *string { return &s.CaptchaSiteKey }),
	stringDef("captcha_secret", "Recovery", "CAPTCHA secret",
		"The secret with which the server verifies Turnstile or hCaptcha answers. Write-only.", "", 200, true, func(s *Settings) *string { return &s.CaptchaSecret }),

	addressDef("mail_from_address", "Email", "Sender address",
		"The From address of every email, as the mail server will see it: a bare address such as recovery@example.com.", "gatehouse@localhost", func(s *Settings) *string { return &s.MailFromAddress }),
	stringDef("mail_from_name", "Email", "Sender name",
		"The name shown with the sender address; empty means the organization name.", "", 100, false, func(s *Settings) *string { return &s.MailFromName }),

	enumDef("two_factor", "Two-factor", "Two-factor sign-in",
		"off: password only. optional: members who enrolled an authenticator app are asked for it. required: every member proves a second factor.",
		"off", []string{"off", "optional", "required"}, func(s *Settings) *string { return &s.TwoFactor }),
	boolDef("two_factor_email", "Two-factor", "Codes by email",
		"Whether sign-in codes may go by email. Email and SMS codes are weaker than an authenticator app.",
		true, func(s *Settings) *bool { return &s.TwoFactorEmail }),
	durDef("two_factor_code_ttl", "Two-factor", "Code lifetime",
		"How long a sign-in code sent by SMS or email works.",
		10*time.Minute, time.Minute, time.Hour, func(s *Settings) *time.Duration { return &s.TwoFactorCodeTTL }),
	durDef("two_factor_resend_cooldown", "Two-factor", "Wait between code sends",
		"A new code can be sent this long after the previous one.",
		30*time.Second, 0, 10*time.Minute, func(s *Settings) *time.Duration { return &s.TwoFactorResendCooldown }),
	intDef("two_factor_sends_per_hour", "Two-factor", "Codes per member per hour",
		"At most this many codes are sent to one member in an hour.",
		5, 1, 50, func(s *Settings) *int { return &s.TwoFactorSendsPerHour }),
	intDef("trusted_device_days", "Two-factor", "Trusted browser lifetime (days)",
		"A browser that passed the second factor is not asked again for this many days. 0: always ask.",
		30, 0, 365, func(s *Settings) *int { return &s.TrustedDeviceDays }),
	boolDef("passkey_sign_in", "Two-factor", "Sign in with a passkey",
		"Members may sign in with a passkey alone (it proves both factors): \"Sign in with a passkey\" and autofill on the sign-in page. Off: passkeys serve only as a second factor after the password.",
		true, func(s *Settings) *bool { return &s.PasskeySignIn }),
	listDef("passkey_aaguids", "Two-factor", "Allowed passkey authenticators (AAGUIDs)",
		"Empty: any authenticator. Otherwise only the authenticator models with these AAGUIDs (separated by commas) may be added as passkeys.",
		"", 2000, isAAGUID, "an AAGUID such as ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4", func(s *Settings) *string { return &s.PasskeyAAGUIDs }),
	boolDef("passkey_uv_second_factor", "Two-factor", "Passkeys verify the user as a second factor too",
		"A passkey used alone always verifies the user (PIN or biometrics). On: also when it is the second factor after the password; off: touching the authenticator is enough there.",
		false, func(s *Settings) *bool { return &s.PasskeyUVSecondFactor }),
	enumDef("two_factor_for_administrators", "Two-factor", "Second factor for administrators",
		"required: administrators and owners always prove a second factor (from two_factor_admin_methods) whenever two_factor is not off, and are sent to set one up after the password if they have none. inherit: they are asked like every member.",
		"required", []string{"inherit", "required"}, func(s *Settings) *string { return &s.TwoFactorForAdministrators }),
	listDef("two_factor_admin_methods", "Two-factor", "Second factors accepted from administrators",
		"Which second factors count for administrators and owners when two_factor_for_administrators is required: app, passkey, sms, email (separated by commas). Codes by SMS or email are weak for privileged accounts (NIST SP 800-63B-4, OWASP ASVS 6.3).",
		"app,passkey", 100, isAdminMethod, "one of app, passkey, sms, email", func(s *Settings) *string { return &s.TwoFactorAdminMethods }),
	intDef("trusted_device_days_for_administrators", "Two-factor", "Trusted browser lifetime for administrators (days)",
		"Days a browser skips the second factor of an administrator or owner, never more than trusted_device_days. 0 (default): always ask, so that a stolen cookie jar does not skip it.",
		0, 0, 365, func(s *Settings) *int { return &s.TrustedDeviceDaysForAdministrators }),

	boolDef("support_pin_required_for_owners", "Administration", "Owners must set a support PIN",
		"Owners are asked to set a support PIN with which the service desk verifies them by telephone.",
		true, func(s *Settings) *bool { return &s.SupportPINRequiredForOwners }),
	intDef("api_requests_per_minute", "Administration", "API requests per key per minute",
		"Requests beyond this get 429 with Retry-After.",
		600, 10, 100000, func(s *Settings) *int { return &s.APIRequestsPerMinute }),

	zeroOrAtLeast(time.Minute, durDef("oidc_access_token_ttl", "Applications", "Access token lifetime",
		"How long an access token given to an application (OpenID Connect) works: 1m to 1h, or 0s for the installation's default (GATEHOUSE_OIDC_ACCESS_TOKEN_TTL, else 10m). Short lives keep a leaked token's use short; applications refresh them.",
		0, 0, time.Hour, func(s *Settings) *time.Duration { return &s.OIDCAccessTokenTTL })),
}, appearanceDefs()...)

var settingIndex = func() map[string]*SettingDef {
	m := make(map[string]*SettingDef, len(SettingDefs))
	for i := range SettingDefs {
		m[SettingDefs[i].Name] = &SettingDefs[i]
	}
	return m
}()

// SettingDefByName returns the definition of the named setting.
func SettingDefByName(name string) (*SettingDef, bool) {
	d, ok := settingIndex[name]
	return d, ok
}

// DefaultSettings returns the settings of a new organization.
func DefaultSettings() Settings {
	var s Settings
	for _, d := range SettingDefs {
		if err := d.set(&s, d.Default); err != nil {
			panic("gatehouse: bad default for " + d.Name + ": " + err.Error())
		}
	}
	return s
}

// Get returns the value of the named setting in its text form.
func (s *Settings) Get(name string) (string, bool) {
	d, ok := settingIndex[name]
	if !ok {
		return "", false
	}
	return d.get(s), true
}

// Set validates value and stores it in the named setting. The error is a
// FieldError naming the setting and the allowed range.
func (s *Settings) Set(name, value string) *FieldError {
	d, ok := settingIndex[name]
	if !ok {
		return &FieldError{Field: name, Code: "unknown_setting", Message: fmt.Sprintf("There is no setting named %q.", name)}
	}
	if err := d.set(s, value); err != nil {
		code := "out_of_range"
		var iv *invalidValue
		if errors.As(err, &iv) {
			code = "invalid"
		}
		return &FieldError{Field: name, Code: code, Message: fmt.Sprintf("%s %s.", d.Label, err.Error())}
	}
	return nil
}

// Map returns every setting in its text form, keyed by name.
func (s *Settings) Map() map[string]string {
	m := make(map[string]string, len(SettingDefs))
	for _, d := range SettingDefs {
		m[d.Name] = d.get(s)
	}
	return m
}

// LoadSettings starts from the defaults and applies stored values. A stored value
// that no longer validates (a range narrowed by an upgrade) keeps the default, and
// unknown names are ignored, so that old rows never stop the server.
func LoadSettings(stored map[string]string) Settings {
	s := DefaultSettings()
	names := make([]string, 0, len(stored))
	for n := range stored {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if d, ok := settingIndex[n]; ok {
			_ = d.set(&s, stored[n])
		}
	}
	return s
}

// SenderName returns the display name of the From address of emails.
func (s *Settings) SenderName() string {
	if s.MailFromName != "" {
		return s.MailFromName
	}
	return s.OrganizationName
}
