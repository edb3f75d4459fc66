package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/account"
	"github.com/gatehouse-auth/gatehouse/brand"
)

// /admin/settings/brand: the organization's logo (uploaded as a multipart
// form, with the anti-forgery token in it) and its own wording of messages.
// Every change is audited by package brand.

// brandPage is what admin_brand.html shows.
type brandPage struct {
	Logo      string // the logo's address, when there is one
	Texts     []brand.Override
	Languages []languageOption  // those an override may be in, each named in itself
	Names     map[string]string // the same names by code, for the list
	MaxBytes  int               // the logo's limits, for the hints
	MaxSide   int
	MaxText   int
}

// brandNotices are the notices after a change, as ?done= names them.
var brandNotices = map[string]string{
	"logo_saved":   "The logo has been saved.",
	"logo_removed": "The logo has been removed.",
	"text_saved":   "The text has been saved.",
	"text_removed": "The text override has been removed.",
}

func (s brandPages) brandView(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, actor gatehouse.Actor) (*view, error) {
	texts, err := s.Brand.Texts(r.Context(), actor, s.orgID(r))
	if err != nil {
		return nil, err
	}
	langs := offeredLanguages(s.cat)
	names := make(map[string]string, len(langs))
	for _, l := range langs {
		names[l.Code] = l.Name
	}
	p := &brandPage{Texts: texts, Languages: langs, Names: names, MaxBytes: brand.MaxLogoBytes >> 10, MaxSide: brand.MaxLogoSide, MaxText: 1000}
	v := adminPages(s).adminView(w, r, m, "Logo and texts", "brand", p)
	v.Notice = brandNotices[r.URL.Query().Get("done")]
	look, err := s.Brand.Look(r.Context(), s.orgID(r))
	if err != nil {
		return nil, err
	}
	if look.HasLogo() {
		p.Logo = "/brand/logo?v=" + look.LogoETag
	}
	return v, nil
}

// brandAdmin is adminPages.admin, and a 404 when the brand is off.
func (s brandPages) brandAdmin(w http.ResponseWriter, r *http.Request) (*gatehouse.Member, gatehouse.Actor, bool) {
	if s.Brand == nil {
		s.renderError(w, r, http.StatusNotFound, "There is no such page.")
		return nil, gatehouse.Actor{}, false
	}
	return adminPages(s).admin(w, r)
}

func (s brandPages) adminBrandPage(w http.ResponseWriter, r *http.Request) {
	m, actor, ok := s.brandAdmin(w, r)
	if !ok {
		return
	}
	v, err := s.brandView(w, r, m, actor)
	if err != nil {
		adminPages(s).adminFail(w, r, m, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_brand", v)
}

// refused shows the page again with the refusal next to its field.
func (s brandPages) refused(w http.ResponseWriter, r *http.Request, m *gatehouse.Member, actor gatehouse.Actor, err error, form map[string]string) {
	st, msg, _ := s.errorInfo(r, err)
	v, verr := s.brandView(w, r, m, actor)
	if verr != nil {
		adminPages(s).adminFail(w, r, m, verr)
		return
	}
	v.fieldErrors(err, msg)
	for k, val := range form {
		v.Form[k] = val
	}
	s.render(w, r, st, "admin_brand", v)
}

// logoFormBytes bounds the whole upload form: the logo and the few fields.
const logoFormBytes = brand.MaxLogoBytes + 16<<10

// adminLogoUpload reads the multipart form: its token first, then the file.
// A file over the limit is refused by its size, naming the field, before
// the rest of a larger body is read.
func (s brandPages) adminLogoUpload(w http.ResponseWriter, r *http.Request) {
	if s.Brand == nil {
		s.renderError(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, logoFormBytes)
	if err := r.ParseMultipartForm(logoFormBytes); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.tooLarge(w, r)
			return
		}
		s.renderError(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	if !s.csrfValid(r) {
		s.auditRefused(r, account.RefusedCSRFToken)
		s.renderError(w, r, http.StatusForbidden, "This form has expired or your browser did not send its security cookie. Go back, reload the page and try again (cookies must be enabled).")
		return
	}
	m, actor, ok := s.brandAdmin(w, r)
	if !ok {
		return
	}
	var data []byte
	if f, _, err := r.FormFile(brand.FieldLogo); err == nil {
		data, err = io.ReadAll(io.LimitReader(f, brand.MaxLogoBytes+1))
		_ = f.Close()
		if err != nil {
			s.renderError(w, r, http.StatusBadRequest, "The form could not be read.")
			return
		}
	}
	if _, err := s.Brand.SetLogo(r.Context(), actor, s.client(r), s.orgID(r), data); err != nil {
		s.refused(w, r, m, actor, err, nil)
		return
	}
	s.redirect(w, r, "/admin/settings/brand", url.Values{"done": {"logo_saved"}})
}

// tooLarge answers an upload whose body passed the limit with 413, naming
// the field.
func (s brandPages) tooLarge(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusRequestEntityTooLarge, "The logo is larger than 256 KB.")
}

func (s brandPages) adminLogoRemove(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.brandAdmin(w, r)
	if !ok {
		return
	}
	if err := s.Brand.RemoveLogo(r.Context(), actor, s.client(r), s.orgID(r)); err != nil {
		s.refused(w, r, m, actor, err, nil)
		return
	}
	s.redirect(w, r, "/admin/settings/brand", url.Values{"done": {"logo_removed"}})
}

func (s brandPages) adminTextSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.brandAdmin(w, r)
	if !ok {
		return
	}
	t := brand.Text{Lang: field(r, brand.FieldLanguage), Key: field(r, brand.FieldKey), Text: field(r, brand.FieldText)}
	if err := s.Brand.SetText(r.Context(), actor, s.client(r), s.orgID(r), t); err != nil {
		s.refused(w, r, m, actor, err, map[string]string{brand.FieldLanguage: t.Lang, brand.FieldKey: t.Key, brand.FieldText: t.Text})
		return
	}
	s.redirect(w, r, "/admin/settings/brand", url.Values{"done": {"text_saved"}})
}

func (s brandPages) adminTextRemove(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	m, actor, ok := s.brandAdmin(w, r)
	if !ok {
		return
	}
	if err := s.Brand.RemoveText(r.Context(), actor, s.client(r), s.orgID(r), field(r, brand.FieldLanguage), field(r, brand.FieldKey)); err != nil {
		s.refused(w, r, m, actor, err, nil)
		return
	}
	s.redirect(w, r, "/admin/settings/brand", url.Values{"done": {"text_removed"}})
}
