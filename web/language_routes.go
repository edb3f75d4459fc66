package web

import (
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/i18n"
)

// languagePages serve the language switch of the signed-out pages (issue
// 18): a form that remembers the chosen language in a cookie. A signed-in
// member's own preference (the account page) comes before it.
type languagePages struct{ *Server }

func (s languagePages) routes() {
	s.route("POST /language", s.switchLanguage)
}

// switchLanguage is a POST with the anti-forgery token, so that no other
// site can change a visitor's language; it changes nothing but the cookie and
// says nothing about any account.
func (s languagePages) switchLanguage(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	code, ok := s.cat.Normalize(field(r, "lang"))
	if !ok {
		s.renderError(w, r, http.StatusUnprocessableEntity, "Choose one of the languages offered.")
		return
	}
	s.setLangCookie(w, code)
	path, q := backTo(field(r, "next"))
	s.redirect(w, r, path, q)
}

// backTo is where the switch returns: the page it was on when that is a
// path of this server (its query kept, so that a sign-in keeps where it
// continues), else the sign-in page.
func backTo(next string) (string, url.Values) {
	u, err := url.Parse(next)
	if err != nil || next == "" || safeNext(next) != u.Path {
		return "/login", nil
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return u.Path, nil
	}
	return u.Path, q
}

// languageOption is one language of the switch, named in itself.
type languageOption struct{ Code, Name string }

func init() {
	funcs["languages"] = func() []languageOption { return offeredLanguages(i18n.Default()) }
	// langName is a language's name in itself ("Deutsch"), as the switch shows it.
	funcs["langName"] = i18n.Default().Name
}
