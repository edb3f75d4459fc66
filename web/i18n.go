package web

import (
	"bytes"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

// locales chooses the language and time zone of a page and translates the
// English that handlers and use cases write (titles, notices, domain errors)
// at the edge, so that no use case needs to know who reads its messages.
type locales struct {
	cat *i18n.Catalog
}

// lang is the language of a page: the member's own choice, then the
// language switch's cookie, then the browser's Accept-Language, then the
// organization's default (set may be nil when the settings could not be
// read).
func (l locales) lang(r *http.Request, c cookies, m *gatehouse.Member, set *gatehouse.Settings) *i18n.Lang {
	ch := i18n.Choice{Switch: c.langCookie(r), Accept: r.Header.Get("Accept-Language")}
	if m != nil {
		ch.Member = m.Language
	}
	if set != nil {
		ch.Org = set.DefaultLanguage
	}
	return l.cat.Choose(ch)
}

// zone is the time zone of a page: the member's own, else the
// organization's default, else UTC.
func (l locales) zone(m *gatehouse.Member, set *gatehouse.Settings) *time.Location {
	if m != nil {
		if z := i18n.Zone(m.TimeZone); z != nil {
			return z
		}
	}
	if set != nil {
		if z := i18n.Zone(set.DefaultTimeZone); z != nil {
			return z
		}
	}
	return time.UTC
}

// requestLanguage puts the language the request asks for (the switch's
// cookie, else Accept-Language; "" for neither) in its context, so that a
// message queued while it is served is written in that language when it goes
// to the person asking (i18n.ForRecipient). current fills in who is signed in.
func (l locales) requestLanguage(c cookies, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := i18n.RequestOf(r.Context()) // begin's, in the request's state
		if req == nil {                    // not through begin
			req = &i18n.Request{}
			r = r.WithContext(i18n.WithRequest(r.Context(), req))
		}
		if code := c.langCookie(r); l.cat.Has(code) {
			req.L = l.cat.Lang(code)
		} else {
			req.L = l.cat.Accept(r.Header.Get("Accept-Language"))
		}
		if req.L != nil {
			req.Lang = req.L.Code()
		}
		next.ServeHTTP(w, r)
	})
}

// translate turns the English of a view's texts into lang.
func (l locales) translate(v *view, lang *i18n.Lang) {
	v.Title = lang.Tr(v.Title)
	if v.orgMessage != "" {
		v.Org = lang.T(v.orgMessage)
	}
	v.Notice = lang.Tr(v.Notice)
	v.Error = lang.Tr(v.Error)
	if v.refused > 0 {
		v.Error = lang.N(v.refusedText, v.refused)
	}
	for k, msg := range v.Fields {
		v.Fields[k] = lang.Tr(msg)
	}
}

// Times in pages: the templates' when and date functions write a marker
// with the instant, and rendering replaces each marker with the time in the
// page's language and zone. One parsed template set per language thus serves
// every time zone, and {{when .CreatedAt}} stays as simple as it was.
const (
	timeOpen  = '\ue000'
	timeClose = '\ue001'
)

func timeMarker(kind byte, t time.Time) string {
	if t.IsZero() {
		return string(timeOpen) + "n" + string(timeClose)
	}
	return string(timeOpen) + string(kind) + strconv.FormatInt(t.UnixMicro(), 10) + string(timeClose)
}

// localTimes replaces the time markers in a rendered page.
func localTimes(page []byte, lang *i18n.Lang, zone *time.Location) []byte {
	open, closing := []byte(string(timeOpen)), []byte(string(timeClose))
	if !bytes.Contains(page, open) {
		return page
	}
	var out bytes.Buffer
	out.Grow(len(page))
	for {
		i := bytes.Index(page, open)
		if i < 0 {
			out.Write(page)
			return out.Bytes()
		}
		out.Write(page[:i])
		rest := page[i+len(open):]
		j := bytes.Index(rest, closing)
		if j < 1 {
			out.Write(page[i:])
			return out.Bytes()
		}
		out.WriteString(html.EscapeString(formatMarker(string(rest[:j]), lang, zone)))
		page = rest[j+len(closing):]
	}
}

func formatMarker(m string, lang *i18n.Lang, zone *time.Location) string {
	if m == "n" {
		return lang.T("time.never")
	}
	us, err := strconv.ParseInt(m[1:], 10, 64)
	if err != nil {
		return ""
	}
	t := time.UnixMicro(us)
	if m[0] == 'd' {
		return i18n.Date(t, zone)
	}
	return lang.When(t, zone)
}

// langFuncs are the template functions bound to one language: t (a message
// by id, with name/value pairs), tn (its plural form for a count), tr (the
// English of a Go value, translated), thtml (a message with markup) and
// lang (the language's code, for <html lang>) and device (a user agent in
// words).
func langFuncs(l *i18n.Lang) map[string]any {
	return map[string]any{
		"t":           l.T,
		"tn":          l.N,
		"tr":          l.Tr,
		"thtml":       l.HTML,
		"lang":        l.Code,
		"device":      func(ua string) string { return describeDevice(l, ua) },
		"dayOf":       dayOf,
		"methods":     func(ids []string) string { return methodList(l, ids) },
		"scriptTexts": func() map[string]string { return scriptTexts(l) },
	}
}

// methodList names second-factor methods (gatehouse.AdminMethodApp...) in
// words: "an authenticator app or a passkey".
func methodList(l *i18n.Lang, ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = l.T("factor_setup.method." + id)
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return l.T("list.or", "First", strings.Join(names[:len(names)-1], l.T("list.comma")), "Last", names[len(names)-1])
}

// LanguageCookieName is the language switch's cookie: __Host- prefixed on
// https, like the session cookie.
func (c cookies) LanguageCookieName() string {
	if c.secure {
		return "__Host-gatehouse_lang"
	}
	return "gatehouse_lang"
}

func (c cookies) langCookie(r *http.Request) string {
	if v, ok := cookieValue(r, c.LanguageCookieName()); ok && len(v) <= 16 {
		return strings.TrimSpace(v)
	}
	return ""
}

// setLangCookie remembers the language a browser was switched to for a
// year; "" forgets it.
func (c cookies) setLangCookie(w http.ResponseWriter, code string) {
	ck := &http.Cookie{Name: c.LanguageCookieName(), Value: code, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode}
	if code == "" {
		ck.MaxAge = -1
	}
	http.SetCookie(w, ck)
}

// dayOf turns a day written as "2 Jan 2006" (as package account writes the
// day an authenticator app was set up) into a date marker, so that the page
// shows it in its own language; anything else is returned as it is.
func dayOf(s string) string {
	t, err := time.Parse("2 Jan 2006", s)
	if err != nil {
		return s
	}
	return timeMarker('d', t)
}

// scriptKeys are the messages of the scripts in static/ (key script.<name>).
var scriptKeys = []string{"strength_repeated", "strength_known", "code_again", "passkey_unsupported", "passkey_cancelled",
	"passkey_exists", "passkey_failed", "captcha_working", "captcha_finishing", "captcha_done"}

// scriptTexts are the texts the scripts show, in the page's language: every
// page carries them in a JSON block (<script type="application/json"
// id="gatehouse-texts">, data the CSP lets through as it is never run), so
// that no script holds English of its own. A value the script fills in is a
// {name} in braces.
func scriptTexts(l *i18n.Lang) map[string]string {
	m := map[string]string{"strength_short": l.T("script.strength_short", "Length", "{length}", "Min", "{min}")}
	for _, k := range scriptKeys {
		m[k] = l.T("script." + k)
	}
	return m
}
