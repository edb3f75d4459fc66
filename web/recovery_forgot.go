package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/recovery"
)

// forgotData feeds the forgotten-password pages.
type forgotData struct {
	Captcha  gatehouse.CaptchaWidget
	ValidFor string // how long the link works, for the confirmation page
}

// forgotPage shows the forgotten-password form (S4), or, after a request, the
// one answer every request gets (S17).
func (s recoveryPages) forgotPage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("done") == "sent" {
		set, err := s.Account.Settings(r.Context(), s.orgID(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !set.ForgotPasswordEnabled {
			s.fail(w, r, recovery.ErrRecoveryDisabled)
			return
		}
		s.render(w, r, http.StatusOK, "forgot_sent", &view{Title: "Check your email", Org: set.BrandName(),
			Data: forgotData{ValidFor: humanDuration(set.ResetLinkTTL)}})
		return
	}
	s.renderForgot(w, r, http.StatusOK, &view{})
}

// renderForgot renders the form with a fresh CAPTCHA, and the page's
// Content-Security-Policy widened to the provider's origins when one is used.
func (s recoveryPages) renderForgot(w http.ResponseWriter, r *http.Request, st int, v *view) {
	set, widget, err := s.Recovery.ForgotPasswordForm(r.Context(), s.orgID(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(widget.Origins) > 0 {
		w.Header().Set("Content-Security-Policy", cspAllowing(widget.Origins))
	}
	if widget.Misconfigured && v.Error == "" {
		v.Error = "The CAPTCHA of this form is not configured yet, so the form cannot be sent. Ask an administrator."
	}
	v.Title, v.Org, v.CSRF = "Forgot your password?", set.BrandName(), s.csrfToken(w, r)
	v.Data = forgotData{Captcha: widget}
	s.render(w, r, st, "forgot", v)
}

func (s recoveryPages) forgotSubmit(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	// The use case reads the settings (once) and picks the provider field
	// of the organization's CAPTCHA from these.
	responses := map[string]string{}
	for _, f := range gatehouse.CaptchaResponseFields {
		responses[f] = field(r, f)
	}
	identifier := field(r, "identifier")
	err := s.Recovery.RequestReset(r.Context(), recovery.ResetRequest{
		OrgID: s.orgID(r), Identifier: identifier, Client: s.client(r),
		Captcha: gatehouse.CaptchaAnswer{
			Challenge: field(r, gatehouse.FieldCaptchaChallenge), Solution: field(r, gatehouse.FieldCaptchaSolution),
			Responses: responses,
		},
	})
	switch {
	case err == nil:
		s.redirect(w, r, "/forgot-password", url.Values{"done": {"sent"}})
	case gatehouse.IsCode(err, gatehouse.NotFound):
		s.fail(w, r, err)
	default:
		st, msg, retry := s.errorInfo(r, err)
		if retry > 0 {
			setRetryAfter(w, retry)
		}
		v := &view{Form: map[string]string{"identifier": identifier}}
		v.fieldErrors(err, msg)
		s.renderForgot(w, r, st, v)
	}
}

// cspAllowing returns the Content-Security-Policy of a page that embeds a
// CAPTCHA provider's widget: the usual policy, plus the provider's origins for
// its script, its frame, its styles and its requests. Only the forgotten-password
// page gets it, and only when that provider is selected.
func cspAllowing(origins []string) string {
	o := " " + strings.Join(origins, " ")
	return "default-src 'none'; script-src 'self'" + o + "; style-src 'self'" + o + "; img-src 'self' data:; " +
		"connect-src 'self'" + o + "; frame-src" + o + "; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// humanDuration writes a link lifetime for people: "30 minutes", "12 hours", "7 days".
func humanDuration(d time.Duration) string {
	short := gatehouse.FormatDuration(d)
	if len(short) < 2 || strings.ContainsAny(short, ".µn") {
		return short
	}
	n, unit := short[:len(short)-1], short[len(short)-1:]
	word := map[string]string{"d": "day", "h": "hour", "m": "minute", "s": "second"}[unit]
	if word == "" {
		return short
	}
	if n != "1" {
		word += "s"
	}
	return n + " " + word
}
