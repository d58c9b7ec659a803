package oidc

import (
	"net/http"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/signing"
)

// introspect is RFC 7662 token introspection for confidential clients of
// the realm (TokenIntrospectionEndpoint): anything not valid here and now
// is {"active":false}.
func (h *Handler) introspect(w http.ResponseWriter, r *http.Request) error {
	realm, err := h.oidcRealm(r.Context(), r.PathValue("realm"))
	if err != nil {
		return err
	}
	form, err := parseForm(w, r)
	if err != nil {
		return err
	}
	ca, err := h.authenticateClient(r, realm)
	if err != nil {
		return httpapi.OAuthError(http.StatusUnauthorized, "invalid_request", "Authentication failed.")
	}
	if ca.client.PublicClient {
		return httpapi.OAuthError(http.StatusForbidden, "invalid_request", "Client not allowed.")
	}
	if duplicated(form) {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "duplicated parameter")
	}
	token := form.Get("token")
	if token == "" {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Token not provided.")
	}
	types, algs := []string{typBearer}, accessAlgs
	switch hint := form.Get("token_type_hint"); hint {
	case "", "access_token", "requesting_party_token":
	case "refresh_token":
		types, algs = []string{typRefresh}, []string{signing.HS512}
	default:
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Unsupported token type ["+hint+"].")
	}
	ck, err := h.verifyToken(r.Context(), realm, h.issuer(r, realm), token, types, algs...)
	if err != nil {
		httpapi.WriteJSON(w, http.StatusOK, map[string]bool{"active": false})
		return nil
	}
	out := ck.raw
	out["client_id"] = ck.claims.Azp
	out["username"] = ck.user.Username
	out["token_type"] = "Bearer"
	out["active"] = true
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}
