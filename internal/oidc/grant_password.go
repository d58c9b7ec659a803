package oidc

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

var errInvalidUserCredentials = httpapi.OAuthError(http.StatusUnauthorized, "invalid_grant", "Invalid user credentials")

// passwordGrant is Keycloak's direct access grant (resource owner password
// credentials), with the direct-grant flow's checks in its order: the
// client may use it, the user exists, is not locked out by brute-force
// detection (bruteforce.go) and is enabled, the password is right (a wrong
// one counts as a failure, a right one clears them), no required action is
// pending.
func (h *Handler) passwordGrant(req *tokenRequest) (*tokenResponse, error) {
	ctx, realm, c := req.r.Context(), req.realm, req.client.client
	ev := model.Event{Type: "LOGIN_ERROR", ClientID: c.ClientID,
		Details: map[string]string{"grant_type": grantPassword, "auth_method": "openid-connect"}}
	if !c.DirectAccessGrantsEnabled {
		h.event(req.r, realm, withError(ev, "not_allowed"))
		return nil, httpapi.OAuthError(http.StatusBadRequest, "unauthorized_client", "Client not allowed for direct access grants")
	}
	if c.ConsentRequired {
		h.event(req.r, realm, withError(ev, "consent_denied"))
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_client", "Client requires user consent")
	}
	username := strings.TrimSpace(req.form.Get("username"))
	if username == "" {
		h.event(req.r, realm, withError(ev, "user_not_found"))
		return nil, httpapi.OAuthError(http.StatusUnauthorized, "invalid_request", "Missing parameter: username")
	}
	ev.Details["username"] = username
	u, err := h.findUser(ctx, realm, username)
	if err != nil {
		return nil, err
	}
	if u != nil {
		ev.UserID = u.ID
		if u.ServiceAccountClientID != "" {
			u = nil // service accounts have no password and cannot log in
		}
	}
	if u != nil {
		// Keycloak's ValidateUsername checks brute-force detection before
		// the enabled flag and never looks at the password of a locked
		// user; it hashes a dummy password instead, so that a lockout does
		// not show in the response time. The attempt is not counted.
		locked, err := LockedOut(ctx, h.Store, realm, u, h.now())
		if err != nil {
			return nil, err
		}
		if locked != "" {
			if _, err := h.Passwords.Verify(ctx, realm, nil, req.form.Get("password")); err != nil {
				return nil, err
			}
			h.event(req.r, realm, withError(ev, locked))
			return nil, errInvalidUserCredentials
		}
	}
	if u != nil && !u.Enabled {
		h.event(req.r, realm, withError(ev, "user_disabled"))
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_grant", "Account disabled")
	}
	ok, err := h.Passwords.Verify(ctx, realm, u, req.form.Get("password"))
	if err != nil {
		return nil, err
	}
	if !ok {
		if u == nil {
			h.event(req.r, realm, withError(ev, "user_not_found"))
		} else {
			h.event(req.r, realm, withError(ev, "invalid_user_credentials"))
			if err := h.loginFailed(req.r, realm, u, clientHost(req)); err != nil {
				return nil, err
			}
		}
		return nil, errInvalidUserCredentials
	}
	if err := h.loginSucceeded(ctx, realm, u); err != nil {
		return nil, err
	}
	if len(u.RequiredActions) > 0 {
		h.event(req.r, realm, withError(ev, "resolve_required_actions"))
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_grant", "Account is not fully set up")
	}

	scope, openid := scopeString(req.form.Get("scope"))
	sess := newSession(realm, u, c, clientHost(req), h.now())
	if err := h.Store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	resp, err := h.issueTokens(ctx, issue{req: req, user: u, session: sess, scope: scope, openid: openid})
	if err != nil {
		return nil, err
	}
	ev.Type, ev.SessionID = "LOGIN", sess.ID
	h.event(req.r, realm, ev)
	return resp, nil
}

// findUser looks a login name up as Keycloak's findUserByNameOrEmail does:
// as an email first when it has an "@" and the realm allows logging in
// with email, then as a username. A missing user is nil, not an error.
func (h *Handler) findUser(ctx context.Context, realm *model.Realm, name string) (*model.User, error) {
	if realm.LoginWithEmailAllowed && strings.Contains(name, "@") {
		u, err := h.Store.GetUserByEmail(ctx, realm.ID, name)
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	u, err := h.Store.GetUserByUsername(ctx, realm.ID, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return u, err
}

func withError(e model.Event, id string) model.Event {
	e.Error = id
	return e
}
