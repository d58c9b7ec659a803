package oidc

import (
	"errors"
	"net/http"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// clientCredentialsGrant issues a service-account token. As in Keycloak 12+,
// the session is transient: no refresh token, no sid, no session_state.
func (h *Handler) clientCredentialsGrant(req *tokenRequest) (*tokenResponse, error) {
	ctx, realm, c := req.r.Context(), req.realm, req.client.client
	ev := model.Event{Type: "CLIENT_LOGIN_ERROR", ClientID: c.ClientID,
		Details: map[string]string{"grant_type": grantClientCredentials, "auth_method": "openid-connect"}}
	fail := func(errID, code, desc string) (*tokenResponse, error) {
		h.event(req.r, realm, withError(ev, errID))
		return nil, httpapi.OAuthError(http.StatusUnauthorized, code, desc)
	}
	if c.PublicClient {
		return fail("invalid_client", "unauthorized_client", "Public client not allowed to retrieve service account")
	}
	if !c.ServiceAccountsEnabled {
		return fail("invalid_client", "unauthorized_client", "Client not enabled to retrieve service account")
	}
	sa, err := h.Store.GetServiceAccountUser(ctx, realm.ID, c.ID)
	if errors.Is(err, store.ErrNotFound) {
		return fail("user_not_found", "invalid_request", "The associated service account for the client does not exist")
	}
	if err != nil {
		return nil, err
	}
	ev.UserID = sa.ID
	if !sa.Enabled {
		return fail("user_disabled", "invalid_request", "User '"+sa.Username+"' disabled")
	}
	scope, openid := scopeString(req.form.Get("scope"))
	resp, err := h.issueTokens(ctx, issue{req: req, user: sa, scope: scope, openid: openid})
	if err != nil {
		return nil, err
	}
	ev.Type = "CLIENT_LOGIN"
	ev.Details["username"] = sa.Username
	h.event(req.r, realm, ev)
	return resp, nil
}
