package oidc

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/store"
)

// errInvalidClientCreds is Keycloak's one description for every client
// authentication failure, so a caller cannot tell an unknown client from
// a wrong secret by the text.
const errInvalidClientCreds = "Invalid client or Invalid client credentials"

// clientAuth is how a client authenticated.
type clientAuth struct {
	client *model.Client
	method string // "client-secret" (basic or post) or "none" for public clients
}

// authenticateClient implements client_secret_basic, client_secret_post and
// public clients by client_id, with Keycloak's errors
// (ClientIdAndSecretAuthenticator): form parameters win over the header.
func (h *Handler) authenticateClient(r *http.Request, realm *model.Realm) (*clientAuth, error) {
	clientID := r.PostForm.Get("client_id")
	secret, secretGiven := r.PostForm.Get("client_secret"), r.PostForm.Has("client_secret")
	if authz := r.Header.Get("Authorization"); authz != "" && strings.HasPrefix(strings.ToLower(authz), "basic ") {
		id, sec, ok := parseBasic(authz)
		if !ok && clientID == "" {
			return nil, &httpapi.Error{Status: http.StatusUnauthorized,
				Header: http.Header{"WWW-Authenticate": {`Basic realm="` + realm.Name + `"`}}}
		}
		if ok {
			if clientID == "" {
				clientID = id
			}
			if !secretGiven && id == clientID {
				secret, secretGiven = sec, true
			}
		}
	}
	if clientID == "" {
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_client", "Missing client_id parameter")
	}
	c, err := h.Store.GetClientByClientID(r.Context(), realm.ID, clientID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !c.Enabled) {
		return nil, httpapi.OAuthError(http.StatusUnauthorized, "invalid_client", errInvalidClientCreds)
	}
	if err != nil {
		return nil, err
	}
	if c.PublicClient {
		return &clientAuth{client: c, method: "none"}, nil
	}
	if c.ClientAuthenticatorType != "" && c.ClientAuthenticatorType != "client-secret" {
		// client-jwt, client-secret-jwt and client-x509 are not supported
		// yet: Keycloak treats a method mismatch as an unknown client.
		return nil, httpapi.OAuthError(http.StatusUnauthorized, "invalid_client", errInvalidClientCreds)
	}
	if !secretGiven || c.Secret == "" ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		return nil, httpapi.OAuthError(http.StatusUnauthorized, "unauthorized_client", errInvalidClientCreds)
	}
	return &clientAuth{client: c, method: "client-secret"}, nil
}

// parseBasic decodes an Authorization: Basic header; RFC 6749 2.3.1 says
// the id and secret are form-url-encoded before base64.
func parseBasic(header string) (id, secret string, ok bool) {
	r := http.Request{Header: http.Header{"Authorization": {header}}}
	u, p, ok := r.BasicAuth()
	if !ok {
		return "", "", false
	}
	if id, err := url.QueryUnescape(u); err == nil {
		u = id
	}
	if sec, err := url.QueryUnescape(p); err == nil {
		p = sec
	}
	return u, p, u != ""
}

// clientForm runs the phases revoke and logout share: the realm, the form
// body, client authentication. Once the client is known, *cors becomes its
// policy.
func (h *Handler) clientForm(w http.ResponseWriter, r *http.Request, cors *httpapi.CORS) (*model.Realm, url.Values, *clientAuth, error) {
	realm, err := h.oidcRealm(r.Context(), r.PathValue("realm"))
	if err != nil {
		return nil, nil, nil, err
	}
	form, err := parseForm(w, r)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := h.authenticateClient(r, realm)
	if err != nil {
		return nil, nil, nil, err
	}
	*cors = h.clientCORS(ca.client)
	return realm, form, ca, nil
}
