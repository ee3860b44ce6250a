package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/requestid"
)

// encode writes v as the JSON response body with status.
func encode(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own types get here; a failure is a bug
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	writeJSON(w, status, b)
}

// writeJSON sends b, an encoded JSON value, the way encode does.
func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// decode reads a JSON request body into a T. It rejects, before anything
// changes: a content type other than application/json (415), a body over
// maxBytes (413), invalid UTF-8 (checked on the raw bytes, because
// encoding/json silently replaces it), malformed JSON, unknown fields and
// trailing data (400).
func decode[T any](w http.ResponseWriter, r *http.Request, maxBytes int64) (T, error) {
	var v T
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return v, chat.Errorf(chat.EUNSUPPORTED, "Content-Type must be application/json")
	}
	b, err := readBody(w, r, maxBytes)
	if err != nil {
		return v, err
	}
	if !utf8.Valid(b) {
		return v, chat.Errorf(chat.EBADREQUEST, "request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, badJSON(err)
	}
	if dec.Decode(&struct{}{}) != io.EOF {
		return v, chat.Errorf(chat.EBADREQUEST, "request body has data after the JSON value")
	}
	return v, nil
}

// readBody reads the whole body, at most maxBytes (413 beyond), within the
// server's read timeout (408 beyond: a client trickling its body).
func readBody(w http.ResponseWriter, r *http.Request, maxBytes int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, chat.Errorf(chat.ETOOLARGE, "request body is larger than %d bytes", maxBytes)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, chat.Errorf(codeRequestTimeout, "the request body did not arrive in time")
	case err != nil:
		return nil, chat.Errorf(chat.EBADREQUEST, "cannot read request body")
	}
	return b, nil
}

func badJSON(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return chat.Errorf(chat.EBADREQUEST, "request body must be a JSON object")
	case errors.As(err, &typeErr):
		e := chat.Errorf(chat.EBADREQUEST, "%s must be a JSON %s", typeErr.Field, typeErr.Type.Kind())
		e.Field = typeErr.Field
		if e.Field == "" {
			e.Message = "request body must be a JSON object"
		}
		return e
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return chat.Errorf(chat.EBADREQUEST, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return chat.Errorf(chat.EBADREQUEST, "malformed JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

// Error codes of this layer alone: routing and connection timing are not
// domain concerns.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codeRequestTimeout   = "request_timeout"
)

// errorStatus is the one mapping from chat error codes to HTTP statuses.
func errorStatus(code string) int {
	switch code {
	case chat.EINVALID:
		return http.StatusUnprocessableEntity
	case chat.EBADREQUEST:
		return http.StatusBadRequest
	case chat.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case chat.EFORBIDDEN, chat.EDEACTIVATED, chat.EARCHIVED:
		return http.StatusForbidden
	case chat.ENOTFOUND:
		return http.StatusNotFound
	case chat.ECONFLICT:
		return http.StatusConflict
	case chat.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case chat.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case chat.ERATELIMITED:
		return http.StatusTooManyRequests
	case chat.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case codeRequestTimeout:
		return http.StatusRequestTimeout
	default:
		return http.StatusInternalServerError
	}
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// RequestID lets a user quote the failing request to an operator.
	RequestID string `json:"request_id,omitempty"`
}

// writeError answers err as JSON. Internal errors are logged with their
// cause and reach the client only as a generic message.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := chat.ErrorCode(err)
	status := errorStatus(code)
	if status == http.StatusInternalServerError {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		code = chat.EINTERNAL
	}
	var limited *chat.RateLimitError
	if errors.As(err, &limited) {
		setRateLimitHeaders(w.Header(), limited)
	}
	encode(w, status, errorBody{Error: errorDetail{Code: code, Message: chat.ErrorMessage(err), Field: chat.ErrorField(err),
		RequestID: requestid.FromContext(r.Context())}})
}

// errorf answers a new error with code.
func errorf(w http.ResponseWriter, r *http.Request, log *slog.Logger, code, format string, args ...any) {
	writeError(w, r, log, chat.Errorf(code, format, args...))
}

// createdStatus is 201 for what a request created, 200 for what already
// existed (a retried post, a direct room opened again).
func createdStatus(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}
