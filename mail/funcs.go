package mail

import (
	htmltemplate "html/template"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
)

// funcsFor returns the template functions in a language: t and tn (a
// message of the catalog by id, its plural form for a count), thtml (a
// message with markup, for the HTML bodies), lang (the language's code),
// duration ("30 minutes"), datetime ("Monday 2 March 2026 at 09:00 UTC", in
// the time's own zone), browser and short.
func funcsFor(l *i18n.Lang) (texttemplate.FuncMap, htmltemplate.FuncMap) {
	m := map[string]any{
		"t":         l.T,
		"tn":        l.N,
		"lang":      l.Code,
		"duration":  l.Duration,
		"datetime":  func(t time.Time) string { return l.Long(t, t.Location()) },
		"browser":   Browser,
		"short":     short,
		"button":    button,
		"changeKey": changeKey,
		"madeKey":   madeKey,
	}
	h := htmltemplate.FuncMap{"thtml": l.HTML}
	for k, v := range m {
		h[k] = v
	}
	return texttemplate.FuncMap(m), h
}

// HumanDuration writes a lifetime the way people say it: "30 minutes", "1 hour",
// "7 days", "1 hour and 30 minutes". It keeps the two largest units and rounds
// to the minute (to the second below one minute).
func HumanDuration(d time.Duration) string {
	if d < time.Minute {
		return plural(int64((d+time.Second/2)/time.Second), "second")
	}
	d = d.Round(time.Minute)
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 && len(parts) < 2 {
			parts = append(parts, plural(int64(n), u.name))
			d -= n * u.size
		} else if len(parts) > 0 {
			// "1 day and 30 minutes" skips a unit; stop after the first instead.
			break
		}
	}
	return strings.Join(parts, " and ")
}

func plural(n int64, unit string) string {
	s := strconv.FormatInt(n, 10) + " " + unit
	if n != 1 {
		s += "s"
	}
	return s
}

// Browser names the browser and system of a User-Agent header in a few words
// ("Firefox on Windows"), which a member recognises better than the raw header.
// Unrecognised agents are returned as they are, cut to 120 characters.
func Browser(ua string) string {
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(ua, s) {
				return true
			}
		}
		return false
	}
	var name, system string
	switch {
	case has("Edg/", "EdgA/", "EdgiOS/"):
		name = "Edge"
	case has("OPR/", "Opera"):
		name = "Opera"
	case has("Firefox/", "FxiOS/"):
		name = "Firefox"
	case has("Chrome/", "CriOS/", "Chromium/"):
		name = "Chrome"
	case has("Safari/"):
		name = "Safari"
	}
	switch {
	case has("iPhone", "iPad", "iPod"):
		system = "iOS"
	case has("Android"):
		system = "Android"
	case has("Windows"):
		system = "Windows"
	case has("Macintosh", "Mac OS X"):
		system = "macOS"
	case has("CrOS"):
		system = "ChromeOS"
	case has("Linux"):
		system = "Linux"
	}
	switch {
	case name != "" && system != "":
		return name + " on " + system
	case name != "":
		return name
	}
	return short(120, ua)
}

// short cuts s to at most n characters, marking the cut with "...".
func short(n int, s string) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n <= 3 {
		return string(r[:n])
	}
	return strings.TrimSpace(string(r[:n-3])) + "..."
}

// buttonSpec is what the HTML "button" and "copy" templates render: a link as
// a button, or as the address to copy, in the email's accent colour.
type buttonSpec struct{ Link, Label, Accent string }

// button makes a buttonSpec; without an accent (a template written before
// there was one) it is Gatehouse's own.
func button(link, label string, accent ...string) buttonSpec {
	b := buttonSpec{link, label, DefaultAccent}
	if len(accent) > 0 && accent[0] != "" {
		b.Accent = accent[0]
	}
	return b
}

// changeKey is the catalog id of a change of a security notice in a few
// words ("mail.notice.mobile_changed"); with "_long" added, in a sentence.
func changeKey(c gatehouse.Change) string {
	action := "changed"
	switch {
	case c.What == gatehouse.ChangeApp && c.Removed():
		action = "removed"
	case c.What == gatehouse.ChangeApp:
		action = "set_up"
	case c.What == gatehouse.ChangeRecoveryCodes && c.Removed():
		action = "removed"
	case c.What == gatehouse.ChangeRecoveryCodes:
		action = "new"
	case c.Added():
		action = "added"
	case c.Removed():
		action = "removed"
	}
	return "mail.notice." + c.What + "_" + action
}

// madeKey is the catalog id of a security notice's first sentence: one
// change or more, by whom, with the username or without.
func madeKey(v view) string {
	id := "mail.notice.made_one"
	if len(v.Changes) != 1 {
		id = "mail.notice.made_many"
	}
	switch v.By {
	case gatehouse.ByAPI:
		id += "_api"
	case "":
	default:
		id += "_admin"
	}
	if v.Username != "" {
		id += "_user"
	}
	return id
}
