package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/brand"
)

// /api/v1/brand: the organization's logo (PUT with the image as the body)
// and its own texts, for administrators' keys. Package brand checks and
// audits every change.

type apiLogo struct {
	Type   string `json:"type"`
	Bytes  int    `json:"bytes"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	ETag   string `json:"etag"`
}

// brandOn answers 404 when the server has no brand service.
func (s apiEndpoints) brandOn(w http.ResponseWriter, r *http.Request) bool {
	if s.Brand == nil {
		s.problem(w, r, gatehouse.Errorf(gatehouse.NotFound, "web.brand", "There is no such endpoint."))
		return false
	}
	return true
}

// apiSetLogo takes the image itself as the body; its declared type is not
// believed (package brand decodes it), but must be an image type.
func apiSetLogo(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	if !s.brandOn(w, r) {
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/") && ct != "application/octet-stream" {
		problemAt(w, http.StatusUnsupportedMediaType, "Send the logo as the body, with Content-Type: image/png, image/jpeg or image/webp.")
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, brand.MaxLogoBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, r, Problem{Type: "https://gatehouse.invalid/problems/invalid-input", Title: http.StatusText(http.StatusRequestEntityTooLarge),
				Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("The logo is larger than %d KB.", brand.MaxLogoBytes>>10),
				Errors: []gatehouse.FieldError{{Field: brand.FieldLogo, Code: "too_large", Message: fmt.Sprintf("The logo is larger than %d KB.", brand.MaxLogoBytes>>10)}}})
			return
		}
		problemAt(w, http.StatusBadRequest, "The body could not be read.")
		return
	}
	l, err := s.Brand.SetLogo(r.Context(), c.Actor, s.client(r), c.OrgID, data)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, apiLogo{Type: l.Type, Bytes: len(l.Data), Width: l.Width, Height: l.Height, ETag: l.ETag})
}

func apiRemoveLogo(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	if !s.brandOn(w, r) {
		return
	}
	if err := s.Brand.RemoveLogo(r.Context(), c.Actor, s.client(r), c.OrgID); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func apiListTexts(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	if !s.brandOn(w, r) {
		return
	}
	if _, ok := parseAPIQuery(w, r); !ok {
		return
	}
	texts, err := s.Brand.Texts(r.Context(), c.Actor, c.OrgID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if texts == nil {
		texts = []brand.Override{}
	}
	writeJSON(w, http.StatusOK, struct {
		Texts []brand.Override `json:"texts"`
	}{texts})
}

func apiSetText(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	if !s.brandOn(w, r) {
		return
	}
	var in struct {
		Text *string `json:"text"`
	}
	if !decodeJSON(w, r, &in, false) {
		return
	}
	if in.Text == nil {
		invalidProblem(w, r, "text is required.", gatehouse.FieldError{Field: brand.FieldText, Code: "required", Message: "text is required."})
		return
	}
	t := brand.Text{Lang: r.PathValue("language"), Key: r.PathValue("key"), Text: *in.Text}
	if err := s.Brand.SetText(r.Context(), c.Actor, s.client(r), c.OrgID, t); err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, brand.Override{Lang: t.Lang, Key: t.Key, Text: strings.TrimSpace(t.Text)})
}

func apiRemoveText(s apiEndpoints, w http.ResponseWriter, r *http.Request, c *apiCall) {
	if !s.brandOn(w, r) {
		return
	}
	if err := s.Brand.RemoveText(r.Context(), c.Actor, s.client(r), c.OrgID, r.PathValue("language"), r.PathValue("key")); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
