package oidc

import (
	"net/http"

	"github.com/latchkey/latchkey/internal/model"
)

// LoginTokens starts a user session for u through client c and issues the
// tokens a password grant would, for an endpoint that has just
// authenticated u another way (self-registration with "login": true). The
// caller has checked that c allows direct access grants and that u has no
// pending required action. The LOGIN event is recorded as for a password
// login.
func (h *Handler) LoginTokens(r *http.Request, realm *model.Realm, c *model.Client, u *model.User, scope string) (any, error) {
	req := &tokenRequest{r: r, realm: realm, client: &clientAuth{client: c, method: "none"},
		iss: h.issuer(r, realm), ip: h.clientIP(r)}
	granted, openid := scopeString(scope)
	sess := newSession(realm, u, c, req.ip, h.now())
	if err := h.Store.CreateSession(r.Context(), sess); err != nil {
		return nil, err
	}
	resp, err := h.issueTokens(r.Context(), issue{req: req, user: u, session: sess, scope: granted, openid: openid})
	if err != nil {
		return nil, err
	}
	h.event(r, realm, model.Event{Type: "LOGIN", ClientID: c.ClientID, UserID: u.ID, SessionID: sess.ID,
		Details: map[string]string{"auth_method": "openid-connect", "grant_type": "registration", "username": u.Username}})
	return resp, nil
}
