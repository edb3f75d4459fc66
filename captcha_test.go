package gatehouse

import "testing"

func TestCaptchaAnswerFor(t *testing.T) {
	a := CaptchaAnswer{Responses: map[string]string{"cf-turnstile-response": "cf", "h-captcha-response": "h"}}
	for kind, want := range map[string]string{CaptchaTurnstile: "cf", CaptchaHCaptcha: "h", CaptchaBuiltin: "", CaptchaOff: ""} {
		if got := a.For(kind).Response; got != want {
			t.Errorf("For(%s) = %q, want %q", kind, got, want)
		}
	}
	if got := (CaptchaAnswer{Response: "given", Responses: a.Responses}).For(CaptchaTurnstile).Response; got != "given" {
		t.Errorf("a set Response was replaced by %q", got)
	}
	for _, f := range CaptchaResponseFields {
		found := false
		for _, k := range []string{CaptchaTurnstile, CaptchaHCaptcha} {
			found = found || CaptchaResponseField(k) == f
		}
		if !found {
			t.Errorf("%s is no provider's field", f)
		}
	}
}
