package web_test

import "regexp"

// csrfValue matches anti-forgery tokens, which differ between browsers.
var csrfValue = regexp.MustCompile(`value="[A-Za-z0-9_-]{43}"`)
