package adminapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/realm"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/verify"
)

// Handler serves the admin REST API.
type Handler struct {
	Store     store.Store
	Keys      *signing.Keys
	Realms    *realm.Service
	Passwords *password.Service
	// Verify sends verify-email and execute-actions mails (nil: answered
	// as Keycloak answers without an SMTP server).
	Verify *verify.Service
	Log    *slog.Logger
	// Hostname is the configured public base URL, empty in start-dev.
	Hostname string
	Now      func() time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// maxBody bounds admin request bodies. A realm representation with
// embedded users and clients is the largest; bigger imports go through
// partialImport or the CLI.
const maxBody = 8 << 20

// req is one authenticated admin request on one realm.
type req struct {
	w      http.ResponseWriter
	r      *http.Request
	caller *caller
	realm  *model.Realm // the realm in the path
	perms  perms        // the caller's permissions on it
	base   string       // public base URL, for Location headers
}

// router is where routes are mounted: a ServeMux, or the recorder behind
// Routes.
type router interface {
	Handle(pattern string, handler http.Handler)
}

// jaxrsMux mounts each pattern also with a trailing slash: JAX-RS, and so
// Keycloak, matches both (gocloak's CreateRealm posts to /admin/realms/).
type jaxrsMux struct{ *http.ServeMux }

func (m jaxrsMux) Handle(pattern string, handler http.Handler) {
	m.ServeMux.Handle(pattern, handler)
	if !strings.HasSuffix(pattern, "/") && !strings.HasSuffix(pattern, "...}") {
		m.ServeMux.Handle(pattern+"/{$}", handler)
	}
}

type recorder []string

func (r *recorder) Handle(pattern string, _ http.Handler) { *r = append(*r, pattern) }

// Routes lists the pattern of every admin route (without the
// trailing-slash twins), for documentation and the permission tests.
func Routes() []string {
	var r recorder
	(&Handler{}).mount(&r)
	return r
}

// Mount adds every admin route.
func (h *Handler) Mount(mux *http.ServeMux) { h.mount(jaxrsMux{mux}) }

func (h *Handler) mount(mux router) {
	mux.Handle("OPTIONS /admin/", httpapi.Preflight("GET, PUT, POST, DELETE", true))
	h.mountRealms(mux)
	h.mountUsers(mux)
	h.mountUserProfile(mux)
	h.mountClients(mux)
	h.mountRoles(mux)
	h.mountGroups(mux)
	h.mountEvents(mux)
	h.mountSessions(mux)
	h.mountKeys(mux)
	h.mountServerInfo(mux)
	h.mountUserExtras(mux)
	h.mountPartial(mux)
	h.mountAttackDetection(mux)
}

// realmRoute mounts pattern (which contains {realm}) behind the shared
// steps, in Keycloak's order: 401 for a missing or bad token, 404 for an
// unknown realm, 403 for a caller of another realm.
func (h *Handler) realmRoute(mux router, pattern string, fn func(*req) error) {
	mux.Handle(pattern, httpapi.Handle(h.Log, func(w http.ResponseWriter, r *http.Request) error {
		c, err := h.authenticate(r)
		if err != nil {
			return err
		}
		h.cors(c).Apply(w, r)
		if hasNUL(r) {
			// A NUL is no character of any name, and databases treat it
			// differently (SQLite ends strings at it): refused outright.
			return jaxrs(http.StatusBadRequest, "HTTP 400 Bad Request")
		}
		target, err := h.Store.GetRealmByName(r.Context(), r.PathValue("realm"))
		if errors.Is(err, store.ErrNotFound) {
			return errNoRealm
		} else if err != nil {
			return err
		}
		p, err := c.permsFor(target)
		if err != nil {
			return err
		}
		return fn(&req{w: w, r: r, caller: c, realm: target, perms: p, base: httpapi.BaseURL(r, h.Hostname)})
	}))
}

// cors is the admin CORS policy: the token's allowed-origins, with
// Location readable (AdminRoot's Cors.exposedHeaders).
func (h *Handler) cors(c *caller) httpapi.CORS {
	return httpapi.CORS{Allowed: c.allowedOrigins, Credentials: true, Expose: []string{"Location"}}
}

// decode reads a JSON body: application/json only (415 otherwise, as
// JAX-RS answers), bounded, unknown fields ignored as Keycloak's Jackson
// does; a malformed body is Keycloak's 400 "Cannot parse the JSON".
func decode(q *req, v any) error {
	mt, _, err := mime.ParseMediaType(q.r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return jaxrs(http.StatusUnsupportedMediaType, "HTTP 415 Unsupported Media Type")
	}
	body := http.MaxBytesReader(q.w, q.r.Body, maxBody)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return jaxrs(http.StatusRequestEntityTooLarge, "HTTP 413 Request Entity Too Large")
		}
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Cannot parse the JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Cannot parse the JSON")
	}
	return nil
}

// created answers 201 with the new resource's absolute Location.
func (q *req) created(path string) error {
	q.w.Header().Set("Location", q.base+path)
	q.w.WriteHeader(http.StatusCreated)
	return nil
}

func (q *req) noContent() error {
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (q *req) json(v any) error {
	httpapi.WriteJSON(q.w, http.StatusOK, v)
	return nil
}

// hasNUL reports a NUL byte in the path or any query parameter.
func hasNUL(r *http.Request) bool {
	if strings.ContainsRune(r.URL.Path, 0) {
		return true
	}
	for k, vs := range r.URL.Query() {
		if strings.ContainsRune(k, 0) {
			return true
		}
		for _, v := range vs {
			if strings.ContainsRune(v, 0) {
				return true
			}
		}
	}
	return false
}
