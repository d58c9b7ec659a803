package oidc

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/latchkey/latchkey/internal/eventlog"
	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
)

// Handler serves the public, per-realm OpenID Connect endpoints.
type Handler struct {
	Store     store.Store
	Keys      *signing.Keys
	Passwords *password.Service
	Log       *slog.Logger
	// Hostname is the configured public base URL, empty in start-dev.
	Hostname string
	Now      func() time.Time
	Events   *eventlog.Recorder
	// ProxyHeaders says which forwarding headers a trusted proxy sets
	// (httpapi.ProxyXForwarded, ProxyForwarded) or none.
	ProxyHeaders string
}

const oidcBase = "/realms/{realm}/protocol/openid-connect"

// Mount adds the routes.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.Handle("GET /realms/{realm}", httpapi.Handle(h.Log, h.realmInfo))
	mux.Handle("GET /realms/{realm}/.well-known/openid-configuration", httpapi.Handle(h.Log, h.discovery))
	mux.Handle("GET /realms/{realm}/.well-known/oauth-authorization-server", httpapi.Handle(h.Log, h.discovery))
	mux.Handle("GET "+oidcBase+"/certs", httpapi.Handle(h.Log, h.certs))
	mux.Handle("OPTIONS "+oidcBase+"/certs", httpapi.Preflight("GET, OPTIONS", false))
	mux.Handle("POST "+oidcBase+"/token", httpapi.Handle(h.Log, h.token))
	mux.Handle("OPTIONS "+oidcBase+"/token", httpapi.Preflight("POST, OPTIONS", true))
	mux.Handle("GET "+oidcBase+"/userinfo", httpapi.Handle(h.Log, h.userinfo))
	mux.Handle("POST "+oidcBase+"/userinfo", httpapi.Handle(h.Log, h.userinfo))
	mux.Handle("OPTIONS "+oidcBase+"/userinfo", httpapi.Preflight("GET, POST, OPTIONS", true))
	mux.Handle("POST "+oidcBase+"/token/introspect", httpapi.Handle(h.Log, h.introspect))
	mux.Handle("POST "+oidcBase+"/revoke", httpapi.Handle(h.Log, h.revoke))
	mux.Handle("OPTIONS "+oidcBase+"/revoke", httpapi.Preflight("POST, OPTIONS", true))
	mux.Handle("POST "+oidcBase+"/logout", httpapi.Handle(h.Log, h.logout))
	mux.Handle("OPTIONS "+oidcBase+"/logout", httpapi.Preflight("POST, OPTIONS", true))
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// issuer is the realm's issuer URL, by the one rule for issued URLs.
func (h *Handler) issuer(r *http.Request, realm *model.Realm) string {
	return httpapi.BaseURL(r, h.Hostname) + "/realms/" + realm.Name
}

// oidcRealm loads the realm of an OIDC endpoint; Keycloak answers an
// unknown realm there with 404 "Realm does not exist".
func (h *Handler) oidcRealm(ctx context.Context, name string) (*model.Realm, error) {
	rl, err := h.Store.GetRealmByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpapi.OAuthError(http.StatusNotFound, "Realm does not exist", "")
	}
	return rl, err
}
