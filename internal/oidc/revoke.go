package oidc

import (
	"errors"
	"net/http"
	"slices"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

// revoke is RFC 7009 revocation (TokenRevocationEndpoint). Revoking a
// refresh token detaches the client from its session (ending the session
// when it was the last client); an invalid token is answered 200, as the
// RFC asks.
func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) (err error) {
	// CORS headers must be set before the answer is written: errors are
	// written after this returns, answers below.
	cors := httpapi.AllowAll
	defer func() {
		if err != nil {
			cors.Apply(w, r)
		}
	}()
	realm, form, ca, err := h.clientForm(w, r, &cors)
	if err != nil {
		return err
	}
	if duplicated(form) {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "duplicated parameter")
	}
	token := form.Get("token")
	if token == "" {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Token not provided")
	}
	// ID tokens verify here too, so that a genuine token of a type that
	// cannot be revoked is told apart from an invalid one, as Keycloak does.
	ck, err := h.verifyToken(r.Context(), realm, h.issuer(r, realm), token,
		[]string{typRefresh, typBearer, typID}, append([]string{signing.HS512}, accessAlgs...)...)
	if err != nil && (ck == nil || errors.Is(err, errTokenExpired)) {
		if errors.Is(err, errTokenInvalid) || errors.Is(err, errTokenExpired) {
			cors.Apply(w, r)
			httpapi.WriteJSON(w, http.StatusOK, httpapi.OAuthBody{Error: "invalid_token", ErrorDescription: "Invalid token"})
			return nil
		}
		return err
	}
	if ck.claims.Typ == typID {
		return httpapi.OAuthError(http.StatusBadRequest, "unsupported_token_type", "Unsupported token type")
	}
	if ck.claims.Azp != ca.client.ClientID {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Unmatching clients")
	}
	if ck.claims.Typ == typRefresh && ck.session != nil {
		s := ck.session
		s.Clients = slices.DeleteFunc(s.Clients, func(id string) bool { return id == ca.client.ID })
		if len(s.Clients) == 0 {
			err = h.Store.DeleteSession(r.Context(), realm.ID, s.ID)
		} else {
			err = h.Store.UpdateSession(r.Context(), s)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	cors.Apply(w, r)
	w.WriteHeader(http.StatusOK)
	return nil
}
