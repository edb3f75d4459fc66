package web

import (
	"net/http"
	"strings"
)

// uiPages serves what every site is expected to answer besides its pages: a
// favicon, and an HTML page for addresses that lead nowhere.
type uiPages struct{ *Server }

func (s uiPages) routes() {
	s.route("GET /favicon.ico", s.favicon)
	s.route("/", s.notFound)
}

// favicon serves the embedded icon at the address browsers ask for unprompted.
func (s uiPages) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := staticFS.ReadFile("static/favicon.svg")
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "There is no page at this address.")
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(b)
}

// notFound answers an address no route serves with the HTML error page (or
// problem details under /api/), and a path served for other methods with 405
// and Allow, as the router would without this catch-all.
func (s uiPages) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method || (m == http.MethodGet && r.Method == http.MethodHead) {
			continue
		}
		c := r.Clone(r.Context())
		c.Method = m
		if _, p := s.mux.Handler(c); p != "" && p != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.renderError(w, r, http.StatusMethodNotAllowed, "This address does not take that kind of request.")
		return
	}
	s.renderError(w, r, http.StatusNotFound, "There is no page at this address. Check the link, or start again from the sign-in page.")
}
