package webtest

import (
	"html"
	"net/http"
	"net/url"
	"regexp"

	"github.com/gatehouse-auth/gatehouse/captcha"
)

var challengeRe = regexp.MustCompile(`name="captcha_challenge" value="([^"]+)"`)

// Challenge returns the builtin CAPTCHA challenge of a page, "" when it has none.
func Challenge(page *Response) string {
	m := challengeRe.FindStringSubmatch(page.Body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// RequestReset fills in the forgotten-password form the way a browser with
// JavaScript does: it loads the page, solves its builtin CAPTCHA when there is
// one, and sends identifier with extra fields (which may override the answer).
func (b *Browser) RequestReset(identifier string, extra url.Values) *Response {
	b.t.Helper()
	page := b.Get("/forgot-password")
	if page.Status != http.StatusOK {
		b.t.Fatalf("GET /forgot-password: %d\n%s", page.Status, page.Body)
	}
	form := url.Values{"identifier": {identifier}}
	if ch := Challenge(page); ch != "" {
		sol, err := captcha.Solve(ch)
		if err != nil {
			b.t.Fatal(err)
		}
		form.Set("captcha_challenge", ch)
		form.Set("captcha_solution", sol)
	}
	for k, v := range extra {
		form[k] = v
	}
	return b.Post("/forgot-password", form)
}
