package oidc

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
)

func invalidGrant(desc string) error {
	return httpapi.OAuthError(http.StatusBadRequest, "invalid_grant", desc)
}

// refreshGrant exchanges a refresh token for new tokens, rotating the
// refresh token and extending the session's idle time, with Keycloak's
// errors (TokenManager.refreshAccessToken).
func (h *Handler) refreshGrant(req *tokenRequest) (*tokenResponse, error) {
	ctx, realm, c := req.r.Context(), req.realm, req.client.client
	ev := model.Event{Type: "REFRESH_TOKEN_ERROR", ClientID: c.ClientID,
		Details: map[string]string{"grant_type": grantRefreshToken}}
	fail := func(errID string, err error) (*tokenResponse, error) {
		h.event(req.r, realm, withError(ev, errID))
		return nil, err
	}
	raw := req.form.Get("refresh_token")
	if raw == "" {
		return fail("invalid_token", httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "No refresh token"))
	}
	ck, err := h.verifyToken(ctx, realm, req.iss, raw, []string{typRefresh}, signing.HS512)
	switch {
	case errors.Is(err, errTokenInvalid):
		return fail("invalid_token", invalidGrant("Invalid refresh token"))
	case errors.Is(err, errTokenExpired):
		return fail("invalid_token", invalidGrant("Token is not active"))
	case errors.Is(err, errUserGone), errors.Is(err, errSessionGone):
		return fail("invalid_token", invalidGrant("Session not active"))
	case errors.Is(err, errUserDisabled):
		return fail("user_disabled", invalidGrant("User disabled"))
	case errors.Is(err, errTokenStale):
		return fail("invalid_token", invalidGrant("Stale token"))
	case err != nil:
		return nil, err
	}
	ev.UserID, ev.SessionID = ck.user.ID, ck.claims.Sid
	if ck.claims.Azp != c.ClientID {
		return fail("invalid_token", invalidGrant("Invalid refresh token. Token client and authorized client don't match"))
	}
	if ck.session == nil {
		return fail("invalid_token", invalidGrant("Session not active"))
	}
	if !clientInSession(ck.session, c.ID) {
		return fail("invalid_token", invalidGrant("Session doesn't have required client"))
	}
	if int64(c.NotBefore) > ck.claims.Iat {
		return fail("invalid_token", invalidGrant("Stale token"))
	}
	scope := ck.claims.Scope
	if asked := req.form.Get("scope"); asked != "" {
		granted := strings.Fields(scope)
		for _, s := range strings.Fields(asked) {
			if !slices.Contains(granted, s) {
				return fail("invalid_request", httpapi.OAuthError(http.StatusBadRequest, "invalid_scope", "Invalid scopes: "+asked))
			}
		}
		scope = asked
	}
	s := ck.session
	now := h.now()
	s.LastRefresh = now
	s.IdleExpires = now.Add(time.Duration(realm.SSOSessionIdleTimeout) * time.Second)
	if err := h.Store.UpdateSession(ctx, s); err != nil {
		return nil, err
	}
	resp, err := h.issueTokens(ctx, issue{req: req, user: ck.user, session: s, scope: scope,
		openid: slices.Contains(strings.Fields(scope), "openid")})
	if err != nil {
		return nil, err
	}
	ev.Type = "REFRESH_TOKEN"
	h.event(req.r, realm, ev)
	return resp, nil
}
