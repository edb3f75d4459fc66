package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
)

// An organization's look on its pages (issue 18): its logo, served from its
// own host with headers that let a browser do nothing with it but show it,
// and its accent colour, as a small style sheet of CSS custom properties
// (the pages' Content-Security-Policy refuses inline styles, style-src
// 'self'), which the layout links after the main one.

// brandPages serve the logo, the accent style sheet and the administrators'
// page for both and for the text overrides.
type brandPages struct{ *Server }

func (s brandPages) routes() {
	s.route("GET /brand/logo", s.logo)
	s.route("GET /brand/style.css", s.style)
	s.route("GET /admin/settings/brand", s.adminBrandPage)
	s.route("POST /admin/settings/brand/logo", s.adminLogoUpload)
	s.route("POST /admin/settings/brand/logo/remove", s.adminLogoRemove)
	s.route("POST /admin/settings/brand/texts", s.adminTextSave)
	s.route("POST /admin/settings/brand/texts/remove", s.adminTextRemove)
}

// logoCSP lets the logo, opened on its own, run nothing and load nothing.
const logoCSP = "default-src 'none'; sandbox"

// logo serves the logo of the request's host's organization, and only
// that: there is no way to name another's.
func (s brandPages) logo(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", logoCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	if s.Brand == nil {
		http.NotFound(w, r)
		return
	}
	look, err := s.Brand.Look(r.Context(), s.orgID(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !look.HasLogo() {
		http.Error(w, "This organization has no logo.", http.StatusNotFound)
		return
	}
	etag := `"` + look.LogoETag + `"`
	// Shown in emails too, which mail readers load from their own origin.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Cache-Control", "public, no-cache")
	h.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	l, err := s.Brand.Logo(r.Context(), s.orgID(r))
	if err != nil {
		if gatehouse.IsCode(err, gatehouse.NotFound) {
			http.Error(w, "This organization has no logo.", http.StatusNotFound)
			return
		}
		s.fail(w, r, err)
		return
	}
	h.Set("ETag", `"`+l.ETag+`"`)
	h.Set("Content-Type", l.Type)
	h.Set("Content-Length", strconv.Itoa(len(l.Data)))
	_, _ = w.Write(l.Data)
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == etag || v == "*" {
			return true
		}
	}
	return false
}

// style serves the accent colour of the request's host's organization as
// custom properties; Gatehouse's own colours stand where it has none.
func (s brandPages) style(w http.ResponseWriter, r *http.Request) {
	set, err := s.Account.Settings(r.Context(), s.orgID(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write([]byte(accentCSS(set.AccentColor)))
}

// accentCSS is the style sheet of an accent colour ("" for none): the
// colour of the header and main buttons, a darker one for their hover, a
// light tint for the header's mark, and the text colour on it, white or
// black, whichever contrasts more (white always does, for a colour the
// settings accepted). Dark mode uses the same colours: white text on the
// accent keeps its contrast on any background.
func accentCSS(accent string) string {
	c, ok := gatehouse.ParseColor(accent)
	if !ok {
		return "/* no accent colour: Gatehouse's own */\n"
	}
	on := "#fff"
	if lum := gatehouse.RelativeLuminance(c); 1.05/(lum+0.05) < (lum+0.05)/0.05 {
		on = "#000"
	}
	vars := fmt.Sprintf("--brand: %s; --brand-dark: %s; --brand-soft: %s; --on-brand: %s;",
		accent, mix(c, [3]uint8{0, 0, 0}, 0.2), mix(c, [3]uint8{255, 255, 255}, 0.6), on)
	return ":root { " + vars + " }\n@media (prefers-color-scheme: dark) { :root { " + vars + " } }\n"
}

// mix returns the colour c moved the fraction f towards to, as #rrggbb.
func mix(c, to [3]uint8, f float64) string {
	var out [3]uint8
	for i := range 3 {
		out[i] = uint8(math.Round(float64(c[i])*(1-f) + float64(to[i])*f))
	}
	return fmt.Sprintf("#%02x%02x%02x", out[0], out[1], out[2])
}

// pageBrand fills in a view's logo and style sheet links and returns lang
// with the organization's own texts for it.
func (s *Server) pageBrand(r *http.Request, v *view, set *gatehouse.Settings) map[string]map[string]string {
	if set != nil && set.AccentColor != "" {
		v.Style = "/brand/style.css?v=" + strings.TrimPrefix(set.AccentColor, "#")
	}
	if s.Brand == nil {
		return nil
	}
	look, err := s.Brand.Look(r.Context(), s.orgID(r))
	if err != nil {
		// The page matters more than its look.
		s.Log.WarnContext(r.Context(), "reading the organization's brand", "err", err)
		return nil
	}
	if look.HasLogo() {
		v.Logo = "/brand/logo?v=" + look.LogoETag
	}
	return look.Texts
}
