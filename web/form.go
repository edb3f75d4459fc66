package web

import (
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/account"
)

// maxFormBytes bounds a form body. Every form of Gatehouse fits in a fraction of it.
const maxFormBytes = 64 << 10

// parseForm reads a url-encoded POST form with a size limit and checks that every
// value is valid UTF-8 and the anti-forgery token matches. It answers the request
// itself and returns false when the form is refused.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.renderError(w, r, http.StatusRequestEntityTooLarge, "The form is too large.")
			return false
		}
		s.renderError(w, r, http.StatusBadRequest, "The form could not be read.")
		return false
	}
	for k, vs := range r.PostForm {
		if !utf8.ValidString(k) {
			s.renderError(w, r, http.StatusBadRequest, "The form contains characters that are not valid text.")
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				s.renderError(w, r, http.StatusBadRequest, "The form contains characters that are not valid text.")
				return false
			}
		}
	}
	if !s.csrfValid(r) {
		s.auditRefused(r, account.RefusedCSRFToken)
		s.renderError(w, r, http.StatusForbidden, "This form has expired or your browser did not send its security cookie. Go back, reload the page and try again (cookies must be enabled).")
		return false
	}
	return true
}

// field returns a single form value; repeated fields are refused by taking none.
func field(r *http.Request, name string) string {
	vs := r.PostForm[name]
	if len(vs) != 1 {
		return ""
	}
	return vs[0]
}
