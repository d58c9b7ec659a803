package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/latchkey/latchkey/internal/store"
)

// Error is an HTTP error with the body the client sees and, separately, the
// cause that is only logged. Handlers return it; Handle renders it.
type Error struct {
	Status int
	// Body is marshalled as the response; use OAuthError or AdminError.
	Body any
	// Header holds extra response headers (WWW-Authenticate, Retry-After).
	Header http.Header
	// Cause is logged, never sent.
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return http.StatusText(e.Status) + ": " + e.Cause.Error()
	}
	return http.StatusText(e.Status)
}

func (e *Error) Unwrap() error { return e.Cause }

// OAuthBody is Keycloak's OAuth2ErrorRepresentation.
type OAuthBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// AdminBody is Keycloak's ErrorRepresentation for admin conflicts and
// validation errors.
type AdminBody struct {
	Field        string   `json:"field,omitempty"`
	ErrorMessage string   `json:"errorMessage"`
	Params       []string `json:"params,omitempty"`
}

// OAuthError makes an error with the {"error","error_description"} body.
func OAuthError(status int, code, description string) *Error {
	return &Error{Status: status, Body: OAuthBody{Error: code, ErrorDescription: description}}
}

// AdminError makes an error with the {"errorMessage"} body.
func AdminError(status int, message string) *Error {
	return &Error{Status: status, Body: AdminBody{ErrorMessage: message}}
}

// Descriptions of the 503 Unavailable answers.
const (
	UnavailableDescription = "The database is unavailable; retry later."
	// UnknownOutcomeDescription is the answer when the connection died
	// during the COMMIT: the database may have applied the change.
	UnknownOutcomeDescription = "The database stopped answering during the commit: the change may have been applied; check before retrying."
)

// Unavailable is the answer when the database cannot be reached or is too
// busy to take a write (cause is logged, never sent): 503 in the OAuth
// error shape Keycloak's error handler gives every endpoint, admin API
// included, with Retry-After. Nothing the request wanted to write was
// written, unless the cause says its outcome is unknown (an error in its
// chain has OutcomeUnknown() true: the connection died during the commit
// itself), which the description then says (docs/RELIABILITY.md,
// "Database loss").
func Unavailable(cause error) *Error {
	desc := UnavailableDescription
	var unknown interface{ OutcomeUnknown() bool }
	if errors.As(cause, &unknown) && unknown.OutcomeUnknown() {
		desc = UnknownOutcomeDescription
	}
	return &Error{Status: http.StatusServiceUnavailable, Cause: cause,
		Header: http.Header{"Retry-After": {"1"}},
		Body:   OAuthBody{Error: "temporarily_unavailable", ErrorDescription: desc}}
}

// HandlerFunc is an endpoint that returns its error instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handle adapts fn to http.Handler: an *Error is written as it says; a
// database that cannot be reached (store.ErrUnavailable) is answered 503
// (Unavailable); any other error is logged with the request id and
// answered 500 in Keycloak's unknown_error shape, never with its text.
func Handle(log *slog.Logger, fn HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			WriteError(w, r, log, err)
		}
	})
}

// WriteError renders err as Handle does.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var he *Error
	isHTTP := errors.As(err, &he)
	if errors.Is(err, store.ErrUnavailable) && (!isHTTP || he.Status >= 500) {
		he = Unavailable(err)
	} else if !isHTTP {
		he = &Error{Status: http.StatusInternalServerError, Cause: err,
			Body: OAuthBody{Error: "unknown_error", ErrorDescription: "For more on this error consult the server log."}}
	}
	if he.Status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "request_id", RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "status", he.Status, "error", err)
	} else if he.Cause != nil {
		log.DebugContext(r.Context(), "request refused", "request_id", RequestID(r.Context()),
			"status", he.Status, "error", he.Cause)
	}
	for k, vs := range he.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	WriteJSON(w, he.Status, he.Body)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}
