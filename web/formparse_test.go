package web_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	inputRe  = regexp.MustCompile(`<input[^>]*>`)
	selectRe = regexp.MustCompile(`(?s)<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>`)
	optionRe = regexp.MustCompile(`<option value="([^"]*)"[^>]*selected`)
	attrRe   = regexp.MustCompile(`\b(name|value|type)="([^"]*)"`)
)

// formOf returns what a browser would submit with the form whose action is
// action on the page, as the page shows it: its hidden and visible inputs
// (unticked boxes left out) and the selected option of each list.
func formOf(t testing.TB, page, action string) url.Values {
	t.Helper()
	i := strings.Index(page, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form with action %s on the page", action)
	}
	body := page[i:]
	if j := strings.Index(body, "</form>"); j >= 0 {
		body = body[:j]
	}
	f := url.Values{}
	for _, tag := range inputRe.FindAllString(body, -1) {
		a := map[string]string{}
		for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
			a[m[1]] = html.UnescapeString(m[2])
		}
		if a["name"] == "" || ((a["type"] == "checkbox" || a["type"] == "radio") && !strings.Contains(tag, " checked")) {
			continue
		}
		f.Add(a["name"], a["value"])
	}
	for _, m := range selectRe.FindAllStringSubmatch(body, -1) {
		if o := optionRe.FindStringSubmatch(m[2]); o != nil {
			f.Add(m[1], html.UnescapeString(o[1]))
		}
	}
	return f
}
