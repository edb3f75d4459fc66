package captcha

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// maxResponseLength bounds a provider token; Turnstile documents 2048 characters.
const maxResponseLength = 4096

// siteverify is the answer of Turnstile's and hCaptcha's siteverify endpoints:
// the same shape for both.
type siteverify struct {
	Success    bool     `json:"success"`
	ErrorCodes []string `json:"error-codes"`
	Hostname   string   `json:"hostname"`
}

// Provider error codes that mean our configuration is wrong, not the answer.
var configErrors = []string{"missing-input-secret", "invalid-input-secret", "sitekey-secret-mismatch", "invalid-sitekey"}

// Provider error codes that mean the token was already checked or is too old.
var staleErrors = []string{"timeout-or-duplicate", "invalid-or-already-seen-response", "expired-input-response", "already-seen-response"}

// errUnavailable answers when the provider cannot give a verdict: the form is
// refused (fail closed) with a request to try again shortly.
var errUnavailable = &gatehouse.Error{Code: gatehouse.Unavailable, Op: "captcha.Verify", RetryAfter: 30,
	Message: "The CAPTCHA service could not be reached. Try again in a minute."}

// verifyProvider posts the token to the provider's siteverify endpoint with the
// organization's secret, as both providers document: a form with secret,
// response, remoteip and (hCaptcha) sitekey.
func (c *Checker) verifyProvider(ctx context.Context, set *gatehouse.Settings, endpoint, def, token, ip string) error {
	if endpoint == "" {
		endpoint = def
	}
	if set.CaptchaSecret == "" || set.CaptchaSiteKey == "" {
		c.log().ErrorContext(ctx, "the CAPTCHA provider is selected but captcha_site_key or captcha_secret is not set", "captcha", set.Captcha)
		return &gatehouse.Error{Code: gatehouse.Unavailable, Op: "captcha.Verify", RetryAfter: 300,
			Message: "The CAPTCHA is not configured yet. Ask an administrator to set it up."}
	}
	if token == "" {
		return refused(ReasonMissing, "Complete the check before you send the form.")
	}
	if len(token) > maxResponseLength {
		return errWrong
	}
	form := url.Values{"secret": {set.CaptchaSecret}, "response": {token}}
	if a, err := netip.ParseAddr(ip); err == nil {
		form.Set("remoteip", a.String())
	}
	if set.Captcha == gatehouse.CaptchaHCaptcha {
		form.Set("sitekey", set.CaptchaSiteKey)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return gatehouse.Wrap("captcha.Verify", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	client := c.HTTP
	if client == nil {
		client = defaultHTTP
	}
	resp, err := client.Do(req)
	if err != nil {
		c.log().WarnContext(ctx, "CAPTCHA verification request failed", "captcha", set.Captcha, "err", err)
		return errUnavailable
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || resp.StatusCode != http.StatusOK {
		c.log().WarnContext(ctx, "CAPTCHA verification answered badly", "captcha", set.Captcha, "status", resp.StatusCode, "err", err)
		return errUnavailable
	}
	var v siteverify
	if err := json.Unmarshal(body, &v); err != nil {
		c.log().WarnContext(ctx, "CAPTCHA verification answer is not JSON", "captcha", set.Captcha, "err", err)
		return errUnavailable
	}
	if v.Success {
		return nil
	}
	for _, code := range v.ErrorCodes {
		if slices.Contains(configErrors, code) {
			c.log().ErrorContext(ctx, "the CAPTCHA provider refuses our configuration", "captcha", set.Captcha, "error_codes", fmt.Sprint(v.ErrorCodes))
			return errUnavailable
		}
		if slices.Contains(staleErrors, code) {
			return refused(ReasonReplayed, "The check has expired or was already used. Complete it again.")
		}
	}
	return refused(ReasonWrong, "The check did not pass. Complete it again.")
}
