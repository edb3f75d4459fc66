package gatehouse

import (
	"context"
	"time"
)

// CAPTCHA kinds, the values of the captcha setting (S15).
const (
	CaptchaBuiltin   = "builtin"   // self-hosted proof of work, no third party
	CaptchaTurnstile = "turnstile" // Cloudflare Turnstile
	CaptchaHCaptcha  = "hcaptcha"  // hCaptcha
	CaptchaOff       = "off"
)

// Form fields that carry a CAPTCHA answer: the builtin challenge and the
// counter that solves it.
const (
	FieldCaptchaChallenge = "captcha_challenge"
	FieldCaptchaSolution  = "captcha_solution"
)

// CaptchaResponseField returns the form field in which the provider's widget of
// kind puts its token, "" for kinds without one.
func CaptchaResponseField(kind string) string {
	switch kind {
	case CaptchaTurnstile:
		return "cf-turnstile-response"
	case CaptchaHCaptcha:
		return "h-captcha-response"
	}
	return ""
}

// CaptchaWidget is what a form shows for the organization's CAPTCHA.
type CaptchaWidget struct {
	Kind string // one of the Captcha kinds; CaptchaOff shows nothing
	// Builtin: the signed challenge the page's script solves, and its difficulty
	// in leading zero bits of SHA-256.
	Challenge  string
	Difficulty int
	// Providers: the public site key, the provider's script, the CSS class of the
	// element the script turns into the widget, and the origins the page's
	// Content-Security-Policy must allow for scripts, frames, styles and
	// connections. Origins is empty for the builtin kind.
	SiteKey string
	Script  string
	Class   string
	Origins []string
	// Misconfigured says that the provider lacks its site key or secret: the form
	// cannot be completed until an administrator sets them.
	Misconfigured bool
}

// CaptchaAnswer is what a form sent back for the CAPTCHA.
type CaptchaAnswer struct {
	Challenge string // builtin: the challenge the page was given
	Solution  string // builtin: the counter the page's script found
	Response  string // providers: the token the widget put in the form
	// Responses are the form's provider fields by name, for a caller that
	// does not know the organization's kind: For picks the kind's one.
	Responses map[string]string
}

// CaptchaResponseFields are the form fields of every provider's token.
var CaptchaResponseFields = []string{"cf-turnstile-response", "h-captcha-response"}

// For returns the answer with Response taken from Responses, by the field of
// kind, when it is not set: the edge reads every provider field, the use case
// knows which one the organization uses.
func (a CaptchaAnswer) For(kind string) CaptchaAnswer {
	if a.Response == "" {
		a.Response = a.Responses[CaptchaResponseField(kind)]
	}
	return a
}

// Captcha issues and checks CAPTCHAs for an organization's settings. Package
// captcha implements it.
type Captcha interface {
	// Widget returns what the form shows; for the builtin kind, a new challenge.
	Widget(ctx context.Context, orgID string, set *Settings) (CaptchaWidget, error)
	// Verify checks an answer. A wrong, missing, expired, forged or replayed
	// answer is an Invalid error on the field "captcha"; a provider that cannot
	// be reached is Unavailable.
	Verify(ctx context.Context, orgID string, set *Settings, a CaptchaAnswer, c Client) error
}

// CaptchaStore remembers the builtin CAPTCHA challenges already solved, so that
// each works once whichever replica sees it.
type CaptchaStore interface {
	// UseCaptcha records that the challenge with id was used; it may be forgotten
	// after expires. Recording an id a second time is a Conflict.
	UseCaptcha(ctx context.Context, id string, expires time.Time) error
}
