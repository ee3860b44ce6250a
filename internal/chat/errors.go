package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
)

// Error codes. Each adapter maps them to its own vocabulary in one place
// (HTTP status, WebSocket error frame).
const (
	EINVALID      = "invalid"                // a field value breaks a rule (HTTP 422)
	EBADREQUEST   = "bad_request"            // malformed input (HTTP 400)
	EUNAUTHORIZED = "unauthorized"           // missing or bad credentials (HTTP 401)
	EFORBIDDEN    = "forbidden"              // known caller, not allowed (HTTP 403)
	ENOTFOUND     = "not_found"              // (HTTP 404)
	ECONFLICT     = "conflict"               // unique value taken (HTTP 409)
	ETOOLARGE     = "too_large"              // body over its limit (HTTP 413)
	EUNSUPPORTED  = "unsupported_media_type" // wrong content type (HTTP 415)
	ERATELIMITED  = "rate_limited"           // too many requests (HTTP 429)
	EUNAVAILABLE  = "unavailable"            // a dependency is down (HTTP 503)
	EINTERNAL     = "internal"               // a bug or an unexpected failure (HTTP 500)
	EDEACTIVATED  = "account_deactivated"    // sign-in to an account an admin deactivated (HTTP 403)
	EARCHIVED     = "room_archived"          // a change to an archived, read-only room (HTTP 403)
)

// Error is a domain error: a code for machines, a message for people and,
// for EINVALID, the offending field.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid builds an EINVALID error naming the field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain,
// EUNAVAILABLE when a dependency could not be reached (IsUnavailable),
// EINTERNAL for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	switch {
	case IsUnavailable(err):
		return EUNAVAILABLE
	case isBadValue(err):
		return EBADREQUEST
	default:
		return EINTERNAL
	}
}

// isBadValue reports whether the database refused a value as such: a
// character its text type cannot hold (NUL in PostgreSQL: SQLSTATE 22021,
// 22P05) or a number out of its range (22003). Input rules (text.go,
// ValidID, 64-bit cursors) keep such values out; this is the backstop that
// makes one the rules missed a 400, not a 500.
func isBadValue(err error) bool {
	sqlErr, ok := errors.AsType[sqlStateError](err)
	if !ok {
		return false
	}
	switch sqlErr.SQLState() {
	case "22021", "22P05", "22003":
		return true
	}
	return false
}

// IsUnavailable reports whether err means a dependency (database, broker)
// is down or unreachable rather than that the request was wrong: network
// errors, a connection cut mid-answer, a timeout, or an SQLSTATE of class
// 08 (connection exception) or 57 (operator intervention, e.g. a server
// shutting down or starting up). Clients get 503 and may retry.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if _, ok := errors.AsType[net.Error](err); ok || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	if sqlErr, ok := errors.AsType[sqlStateError](err); ok {
		code := sqlErr.SQLState()
		return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57")
	}
	return false
}

// sqlStateError is a database driver's error with its SQLSTATE (pgx's
// *pgconn.PgError), matched without importing the driver.
type sqlStateError interface {
	error
	SQLState() string
}

// ErrorMessage returns the human message of err's *Error; internal errors
// get a generic text so details never leak to clients.
func ErrorMessage(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Message
	}
	switch ErrorCode(err) {
	case "":
		return ""
	case EUNAVAILABLE:
		return "a service this server depends on is unavailable; try again shortly"
	case EBADREQUEST:
		return "the request holds a value that cannot be stored (a NUL character or a number out of range)"
	default:
		return "internal error"
	}
}

// ErrorField returns the field named by err's *Error, if any.
func ErrorField(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Field
	}
	return ""
}
