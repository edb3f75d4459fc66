package gatehouse

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an Error. Each code maps to one HTTP status in package web.
type Code string

// Error codes.
const (
	Invalid      Code = "invalid"      // the input breaks a rule; Fields says which
	NotFound     Code = "not_found"    // the thing does not exist (or the caller may not know it does)
	Conflict     Code = "conflict"     // the input clashes with existing state (a taken username)
	Forbidden    Code = "forbidden"    // the actor may not do this
	Unauthorized Code = "unauthorized" // no valid credentials
	Throttled    Code = "throttled"    // too many attempts; RetryAfter says when to try again
	Unavailable  Code = "unavailable"  // a dependency is down or the server is saturated
	Internal     Code = "internal"     // a bug or an unexpected failure
)

// FieldError names one unmet rule for one input field. Code is stable and meant for
// programs; Message is meant for people.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the one error type of the domain. Op names the operation that failed,
// Message is safe to show to the client, Err carries the detail for the log.
type Error struct {
	Code       Code
	Op         string
	Message    string
	Fields     []FieldError
	RetryAfter int // seconds, for Throttled and Unavailable
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(string(e.Code))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Code)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code, operation and client-safe message.
func Errorf(code Code, op, format string, args ...any) *Error {
	return &Error{Code: code, Op: op, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Internal error for op around err, unless err already is an *Error,
// which is returned unchanged so that its code survives.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: Internal, Op: op, Err: err}
}

// InvalidFields returns an Invalid error listing the given field errors.
func InvalidFields(op string, fields ...FieldError) *Error {
	msg := "the input is not valid"
	if len(fields) == 1 {
		msg = fields[0].Message
	}
	return &Error{Code: Invalid, Op: op, Message: msg, Fields: fields}
}

// ErrorCode returns the code of err: the Code of the first *Error in its chain,
// Internal for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorMessage returns the client-safe message of err, or a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorFields returns the field errors of the first *Error in err's chain, or
// nil.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// IsCode reports whether err has the given code.
func IsCode(err error, code Code) bool { return ErrorCode(err) == code }

// ErrNotFound is returned by stores when a row does not exist.
var ErrNotFound = &Error{Code: NotFound, Message: "not found"}
