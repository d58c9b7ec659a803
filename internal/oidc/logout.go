package oidc

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

// logout is the programmatic logout of LogoutEndpoint: POST with client
// authentication and the refresh_token ends its user session, so that
// every refresh token of it stops working. 204 on success.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) (err error) {
	// CORS headers must be set before the answer is written: errors are
	// written after this returns, the 204 below.
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
	if ca.client.BearerOnly {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_client", "Bearer-only not allowed")
	}
	raw := form.Get("refresh_token")
	if raw == "" {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "No refresh token")
	}
	ck, err := h.verifyToken(r.Context(), realm, h.issuer(r, realm), raw, []string{typRefresh}, signing.HS512)
	if err != nil || ck.claims.Azp != ca.client.ClientID || ck.session == nil {
		if err != nil && ck == nil && !errors.Is(err, errTokenInvalid) {
			return err
		}
		return invalidGrant("Invalid refresh token")
	}
	if err := h.Store.DeleteSession(r.Context(), realm.ID, ck.session.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	h.event(r, realm, model.Event{Type: "LOGOUT", ClientID: ca.client.ClientID, UserID: ck.user.ID, SessionID: ck.session.ID})
	cors.Apply(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
