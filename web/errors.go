package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gatehouse-auth/gatehouse"
	"github.com/gatehouse-auth/gatehouse/i18n"
)

// status maps a domain error code to its HTTP status: the one place where that
// mapping lives.
func status(code gatehouse.Code) int {
	switch code {
	case gatehouse.Invalid:
		return http.StatusUnprocessableEntity
	case gatehouse.NotFound:
		return http.StatusNotFound
	case gatehouse.Conflict:
		return http.StatusConflict
	case gatehouse.Forbidden:
		return http.StatusForbidden
	case gatehouse.Unauthorized:
		return http.StatusUnauthorized
	case gatehouse.Throttled:
		return http.StatusTooManyRequests
	case gatehouse.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorInfo returns the status, client-safe message and Retry-After seconds of
// err, and logs internal errors with their detail (never sent to the client).
func (s *Server) errorInfo(r *http.Request, err error) (int, string, int) {
	code := gatehouse.ErrorCode(err)
	st := status(code)
	msg := gatehouse.ErrorMessage(err)
	retry := 0
	var e *gatehouse.Error
	if errors.As(err, &e) {
		retry = e.RetryAfter
	}
	switch {
	case st == http.StatusServiceUnavailable:
		if ok, n := s.unavailableLog.allow(); ok {
			s.Log.WarnContext(r.Context(), "request refused for now (503)", "path", r.URL.Path, "err", err, "more_not_logged", n)
		}
	case st >= 500:
		s.Log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	}
	if st >= 500 {
		if st == http.StatusInternalServerError {
			msg = "Something went wrong on our side. Please try again."
		}
		if st == http.StatusServiceUnavailable && retry == 0 {
			retry = 5
		}
	}
	return st, msg, retry
}

// fail renders an error page for err.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	st, msg, retry := s.errorInfo(r, err)
	if retry > 0 {
		setRetryAfter(w, retry)
	}
	s.renderError(w, r, st, msg)
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type   string                 `json:"type"`
	Title  string                 `json:"title"`
	Status int                    `json:"status"`
	Detail string                 `json:"detail,omitempty"`
	Errors []gatehouse.FieldError `json:"errors,omitempty"`
}

// problem answers an API request with problem details for err.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	st, msg, retry := s.errorInfo(r, err)
	if retry > 0 {
		setRetryAfter(w, retry)
	}
	p := Problem{Type: "about:blank", Title: http.StatusText(st), Status: st, Detail: msg}
	var e *gatehouse.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		p.Type = "https://gatehouse.invalid/problems/invalid-input"
		p.Errors = apiFieldNames(r, e.Fields)
	}
	writeProblem(w, r, p)
}

// writeProblem answers with problem details. The detail and the fields'
// messages are in the language the request asked for (Accept-Language); the
// title, the type and the codes are stable, for programs. Without r (the
// JSON parser's refusals, for the programmer of a client) they stay English.
func writeProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	var req *i18n.Request
	if r != nil {
		req = i18n.RequestOf(r.Context())
	}
	p.Detail = req.Tr(p.Detail)
	if len(p.Errors) > 0 {
		errs := make([]gatehouse.FieldError, len(p.Errors))
		for i, f := range p.Errors {
			f.Message = req.Tr(f.Message)
			errs[i] = f
		}
		p.Errors = errs
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, st int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(st)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
