package adminapi

import (
	"net/http"

	"github.com/latchkey/latchkey/internal/httpapi"
)

// kcDebugHint is the error_description Keycloak 24+ adds to errors its
// KeycloakErrorHandler renders (JAX-RS exceptions: 401, 403, 404 ...).
const kcDebugHint = "For more on this error consult the server log at the debug level."

// jaxrs is an error in the shape Keycloak's KeycloakErrorHandler gives a
// WebApplicationException: {"error": <message>, "error_description": hint}.
func jaxrs(status int, msg string) *httpapi.Error {
	return httpapi.OAuthError(status, msg, kcDebugHint)
}

var (
	errForbidden = jaxrs(http.StatusForbidden, "HTTP 403 Forbidden")
	errNoRealm   = jaxrs(http.StatusNotFound, "Realm not found.")
)

// errUnauthorized is Keycloak's NotAuthorizedException("Bearer").
func errUnauthorized() *httpapi.Error {
	e := jaxrs(http.StatusUnauthorized, "HTTP 401 Unauthorized")
	e.Header = http.Header{"WWW-Authenticate": {"Bearer"}}
	return e
}

// notFound is a 404 with Keycloak's message ("User not found", ...).
func notFound(msg string) *httpapi.Error { return jaxrs(http.StatusNotFound, msg) }

// badRequest is Keycloak's ErrorResponse.error(msg, 400): {"errorMessage"}.
func badRequest(msg string) *httpapi.Error { return httpapi.AdminError(http.StatusBadRequest, msg) }

// conflict is Keycloak's ErrorResponse.exists(msg): 409 {"errorMessage"}.
func conflict(msg string) *httpapi.Error { return httpapi.AdminError(http.StatusConflict, msg) }
