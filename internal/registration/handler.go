package registration

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/internal/clientcors"
	"github.com/latchkey/latchkey/internal/eventlog"
	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/store"
	"github.com/latchkey/latchkey/internal/user"
	"github.com/latchkey/latchkey/internal/userprofile"
	"github.com/latchkey/latchkey/internal/verify"
)

// Logins issues tokens to a user who just registered ("login": true).
type Logins interface {
	LoginTokens(r *http.Request, realm *model.Realm, c *model.Client, u *model.User, scope string) (any, error)
}

// Counter counts registrations by realm and outcome, for /metrics.
type Counter interface {
	CountRegistration(realm, outcome string)
}

// Handler serves the registration endpoint.
type Handler struct {
	Store     store.Store
	Passwords *password.Service
	Events    *eventlog.Recorder
	Logins    Logins
	// Verify sends the verify-email mail when the realm verifies email.
	Verify  *verify.Service
	Metrics Counter // may be nil
	Log     *slog.Logger
	// Hostname is the configured public base URL, empty in start-dev.
	Hostname string
	// ProxyHeaders says which forwarding headers a trusted proxy sets.
	ProxyHeaders string
	// HTTPClient talks to CAPTCHA verifiers (nil: a default client).
	HTTPClient *http.Client
	Now        func() time.Time

	once   sync.Once
	limits *httpapi.Limiter
}

const path = "/realms/{realm}/protocol/openid-connect/registrations"

// Mount adds the routes.
func (h *Handler) Mount(mux *http.ServeMux) {
	h.once.Do(func() { h.limits = httpapi.NewLimiter(h.now) })
	mux.Handle("POST "+path, httpapi.Handle(h.Log, h.register))
	mux.Handle("GET "+path, httpapi.Handle(h.Log, h.rules))
	mux.Handle("OPTIONS "+path, httpapi.Preflight("GET, POST, OPTIONS", false))
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) realm(r *http.Request) (*model.Realm, error) {
	realm, err := h.Store.GetRealmByName(r.Context(), r.PathValue("realm"))
	if errors.Is(err, store.ErrNotFound) {
		return nil, httpapi.OAuthError(http.StatusNotFound, "Realm does not exist", "")
	}
	if err == nil && !realm.Enabled {
		return nil, httpapi.OAuthError(http.StatusForbidden, "access_denied", "Realm not enabled")
	}
	return realm, err
}

// created is the 201 body: the new user as the app may see it, and the
// tokens when it asked to be logged in.
type created struct {
	ID               string   `json:"id"`
	Username         string   `json:"username"`
	Email            string   `json:"email,omitempty"`
	FirstName        string   `json:"firstName,omitempty"`
	LastName         string   `json:"lastName,omitempty"`
	EmailVerified    bool     `json:"emailVerified"`
	Enabled          bool     `json:"enabled"`
	CreatedTimestamp int64    `json:"createdTimestamp"`
	RequiredActions  []string `json:"requiredActions"`
	Tokens           any      `json:"tokens,omitempty"`
}

func (h *Handler) register(w http.ResponseWriter, r *http.Request) error {
	realm, err := h.realm(r)
	if err != nil {
		return err
	}
	ip := httpapi.ClientIP(r, h.ProxyHeaders)
	ev := model.Event{Type: "REGISTER_ERROR", ClientID: r.URL.Query().Get("client_id"),
		Details: map[string]string{"auth_method": "openid-connect", "register_method": "api"}}
	fail := func(errID string, err error) error {
		h.Events.Record(r.Context(), realm, ip, withError(ev, errID))
		h.count(realm, errID)
		return err
	}
	cors, err := h.corsFor(r, realm, ev.ClientID)
	if err != nil {
		return err
	}
	cors.Apply(w, r)
	if !realm.RegistrationAllowed {
		return fail("registration_disabled", httpapi.OAuthError(http.StatusForbidden, "registration_disabled", "Registration not allowed"))
	}
	if err := h.rateLimit(w, realm, ip); err != nil {
		h.count(realm, "rate_limited")
		return err
	}
	in, err := decode(w, r)
	if err != nil {
		return fail("invalid_registration", err)
	}
	if in.ClientID != "" && ev.ClientID == "" {
		ev.ClientID = in.ClientID
		if cors, err = h.corsFor(r, realm, in.ClientID); err != nil {
			return err
		}
		// The realm-wide policy applied so far gives way to the named
		// client's: an origin of another client must not keep its headers.
		for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
			"Access-Control-Expose-Headers", "Vary"} {
			w.Header().Del(k)
		}
		cors.Apply(w, r)
	}
	client, err := h.client(r.Context(), realm, ev.ClientID)
	if err != nil {
		return fail("invalid_client", err)
	}
	if captchaRequired(realm) {
		ok, err := h.verifyCaptcha(r.Context(), realm, in.CaptchaToken, ip)
		if err != nil {
			h.Log.WarnContext(r.Context(), "CAPTCHA verification failed", "realm", realm.Name, "error", err)
			return fail("invalid_registration", httpapi.OAuthError(http.StatusServiceUnavailable,
				"temporarily_unavailable", "CAPTCHA verification is unavailable, retry later"))
		}
		if !ok {
			return fail("invalid_registration", invalidRegistration([]fieldError{newFieldError("captchaToken", "recaptchaFailed")}))
		}
	}

	prof, err := userprofile.New(realm, userprofile.Registration)
	if err != nil {
		return err
	}
	prof.Scopes = strings.Fields(in.Scope)
	u := h.newUser(realm, prof, in)
	ev.Details["username"], ev.Details["email"] = u.Username, u.Email
	errs, err := h.check(r.Context(), realm, prof, u, in.Password)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return fail("invalid_registration", invalidRegistration(errs))
	}
	// The password is hashed before the uniqueness check, so a duplicate
	// costs the same time as a success and timing tells nothing.
	cred, err := h.Passwords.NewCredential(r.Context(), realm, in.Password)
	if err != nil {
		return err
	}
	sendMail := realm.VerifyEmail && u.Email != "" && h.Verify != nil
	base := httpapi.BaseURL(r, h.Hostname)
	err = h.Store.InTx(r.Context(), func(tx store.Store) error {
		nu := *u
		if err := user.Insert(r.Context(), tx, realm, &nu, []model.Credential{cred}, nil); err != nil {
			return err
		}
		if sendMail {
			// The mail is written with the user: a crash after commit
			// cannot lose it, and a failed insert leaves no mail.
			req := verify.Request{Base: base, Issuer: base + "/realms/" + realm.Name, ClientID: ev.ClientID, IP: ip}
			if err := h.Verify.EnqueueVerifyEmail(r.Context(), tx, realm, &nu, req); err != nil {
				return err
			}
		}
		*u = nu
		return nil
	})
	if errors.Is(err, user.ErrExists) {
		return fail(h.conflict(r.Context(), realm, u))
	}
	if err != nil {
		return err
	}
	if sendMail {
		h.Verify.Sent(r.Context(), realm, u, ev.ClientID, ip)
	}
	ev.Type, ev.UserID = "REGISTER", u.ID
	h.Events.Record(r.Context(), realm, ip, ev)
	h.count(realm, "created")

	out := created{ID: u.ID, Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		EmailVerified: u.EmailVerified, Enabled: u.Enabled, CreatedTimestamp: u.CreatedAt.UnixMilli(),
		RequiredActions: u.RequiredActions}
	if out.RequiredActions == nil {
		out.RequiredActions = []string{}
	}
	if in.Login && client != nil && client.DirectAccessGrantsEnabled && len(u.RequiredActions) == 0 && h.Logins != nil {
		if out.Tokens, err = h.Logins.LoginTokens(r, realm, client, u, in.Scope); err != nil {
			return err
		}
	}
	w.Header().Set("Location", httpapi.BaseURL(r, h.Hostname)+"/admin/realms/"+realm.Name+"/users/"+u.ID)
	w.Header().Set("Cache-Control", "no-store")
	httpapi.WriteJSON(w, http.StatusCreated, out)
	return nil
}

// newUser takes from the body only what a user may set: the server decides
// enabled, emailVerified and required actions. Attributes are those the
// realm's user profile lets a user edit (declared ones with "user" among
// their edit roles; undeclared ones only under the ENABLED policy); the
// names Keycloak keeps read-only for users, and the user's own fields, are
// dropped. Root fields the profile keeps from users are ignored.
func (h *Handler) newUser(realm *model.Realm, prof *userprofile.Profile, in *input) *model.User {
	u := &model.User{Username: strings.TrimSpace(in.Username), Enabled: true}
	if prof.Writable("email") {
		u.Email = strings.TrimSpace(in.Email)
	}
	if prof.Writable("firstName") {
		u.FirstName = strings.TrimSpace(in.FirstName)
	}
	if prof.Writable("lastName") {
		u.LastName = strings.TrimSpace(in.LastName)
	}
	if realm.RegistrationEmailAsUsername {
		u.Username = u.Email
	}
	if realm.VerifyEmail {
		u.RequiredActions = []string{"VERIFY_EMAIL"}
	}
	sent := map[string][]string{}
	for k, v := range in.Attributes {
		if k == "" || strings.ContainsAny(k, "\x00\r\n") || readOnlyAttribute(k) {
			continue
		}
		sent[k] = v
	}
	if attrs := prof.Merge(nil, sent, false); len(attrs) > 0 {
		u.Attributes = attrs
	}
	return u
}

// readOnlyAttribute reports an attribute name a user may not set: the
// user-context read-only patterns of Keycloak's
// DeclarativeUserProfileProviderFactory (matched case-insensitively, as
// Keycloak does), and the root attributes, which have fields of their own.
func readOnlyAttribute(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "kerberos_principal", "ldap_id", "ldap_entry_dn", "created_timestamp", "createtimestamp",
		"modifytimestamp", "usercertificate", "enabled", "email_verified", "disabledreason",
		"username", "email", "firstname", "lastname", "emailverified", "id", "createdtimestamp",
		"requiredactions", "credentials", "password":
		return true
	}
	return strings.HasPrefix(n, "saml.persistent.name.id.for.")
}

// conflict names which unique value was taken.
func (h *Handler) conflict(ctx context.Context, realm *model.Realm, u *model.User) (string, error) {
	err := user.Conflict(ctx, h.Store, realm, u)
	if errors.Is(err, user.ErrEmailExists) {
		return "email_in_use", httpapi.OAuthError(http.StatusConflict, "email_in_use", "Email already exists.")
	}
	if err != nil && !errors.Is(err, user.ErrExists) {
		return "", err
	}
	return "username_in_use", httpapi.OAuthError(http.StatusConflict, "username_in_use", "Username already exists.")
}

func invalidRegistration(errs []fieldError) error {
	return &httpapi.Error{Status: http.StatusBadRequest, Body: struct {
		Error            string       `json:"error"`
		ErrorDescription string       `json:"error_description"`
		Errors           []fieldError `json:"errors"`
	}{"invalid_registration", errs[0].Message, errs}}
}

func withError(e model.Event, id string) model.Event {
	e.Error = id
	return e
}

func (h *Handler) count(realm *model.Realm, outcome string) {
	if h.Metrics != nil {
		h.Metrics.CountRegistration(realm.Name, outcome)
	}
}

// rateLimit applies the per-address and per-realm limits.
func (h *Handler) rateLimit(w http.ResponseWriter, realm *model.Realm, ip string) error {
	checks := []struct {
		key, attr string
		def       int
	}{
		{"addr|" + realm.ID + "|" + ip, "registrationRateLimitPerAddress", defaultPerAddress},
		{"realm|" + realm.ID, "registrationRateLimitPerRealm", defaultPerRealm},
	}
	for _, c := range checks {
		if ok, wait := h.limits.Allow(c.key, httpapi.RealmLimit(realm, c.attr, c.def)); !ok {
			return httpapi.TooManyRequests("Too many registration attempts, retry later", wait)
		}
	}
	return nil
}

// client resolves the optional client_id; an unknown or disabled client
// is refused.
func (h *Handler) client(ctx context.Context, realm *model.Realm, clientID string) (*model.Client, error) {
	if clientID == "" {
		return nil, nil
	}
	c, err := h.Store.GetClientByClientID(ctx, realm.ID, clientID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !c.Enabled) {
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_client", "Client not found or not enabled")
	}
	return c, err
}

// corsFor is the CORS policy of a registration request (clientcors.Policy).
func (h *Handler) corsFor(r *http.Request, realm *model.Realm, clientID string) (httpapi.CORS, error) {
	return clientcors.Policy(r.Context(), h.Store, realm, clientID)
}
