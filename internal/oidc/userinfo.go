package oidc

import (
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/store"
)

// userinfo answers the claims of the access token's user (Keycloak's
// UserInfoEndpoint): the token comes as a bearer header or, on POST, as the
// access_token form parameter.
func (h *Handler) userinfo(w http.ResponseWriter, r *http.Request) (err error) {
	// CORS headers must be set before the answer is written: errors are
	// written after this returns, successes below.
	cors := httpapi.AllowAll
	defer func() {
		if err != nil {
			cors.Apply(w, r)
		}
	}()
	realm, err := h.oidcRealm(r.Context(), r.PathValue("realm"))
	if err != nil {
		return err
	}
	token := bearer(r)
	if token == "" && r.Method == http.MethodPost {
		if form, err := parseForm(w, r); err == nil {
			token = form.Get("access_token")
		}
	}
	if token == "" {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Token not provided")
	}
	ck, err := h.verifyToken(r.Context(), realm, h.issuer(r, realm), token, []string{typBearer}, accessAlgs...)
	switch {
	case errors.Is(err, errSessionGone):
		return invalidToken(realm.Name, "Session expired")
	case errors.Is(err, errTokenStale):
		return invalidToken(realm.Name, "Stale token")
	case errors.Is(err, errUserGone):
		return httpapi.OAuthError(http.StatusUnauthorized, "invalid_request", "User not found")
	case errors.Is(err, errUserDisabled):
		return httpapi.OAuthError(http.StatusUnauthorized, "invalid_request", "User disabled")
	case err != nil && !errors.Is(err, errTokenInvalid) && !errors.Is(err, errTokenExpired):
		return err
	case err != nil:
		return invalidToken(realm.Name, "Token verification failed")
	}
	c, err := h.Store.GetClientByClientID(r.Context(), realm.ID, ck.claims.Azp)
	if errors.Is(err, store.ErrNotFound) {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Client not found")
	} else if err != nil {
		return err
	}
	if !c.Enabled {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Client disabled")
	}
	if ck.session != nil && !clientInSession(ck.session, c.ID) {
		return httpapi.OAuthError(http.StatusUnauthorized, "invalid_request",
			"User session not found or doesn't have client attached on it")
	}
	cors = h.clientCORS(c)
	claims := struct {
		Sub string `json:"sub"`
		profileClaims
	}{Sub: ck.user.ID, profileClaims: profileOf(ck.user)}
	cors.Apply(w, r)
	httpapi.WriteJSON(w, http.StatusOK, claims)
	return nil
}

// invalidToken is userinfo's 401 with the WWW-Authenticate challenge.
func invalidToken(realm, desc string) error {
	e := httpapi.OAuthError(http.StatusUnauthorized, "invalid_token", desc)
	e.Header = http.Header{"WWW-Authenticate": {`Bearer realm="` + realm +
		`", error="invalid_token", error_description="` + desc + `"`}}
	return e
}

// bearer extracts a bearer token from the Authorization header.
func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}
