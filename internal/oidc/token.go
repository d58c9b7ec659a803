package oidc

import (
	"mime"
	"net/http"
	"net/url"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/model"
)

// maxFormBytes bounds every form body of the OIDC endpoints.
const maxFormBytes = 64 << 10

// Grant types latchkey serves.
const (
	grantPassword          = "password"
	grantClientCredentials = "client_credentials"
	grantRefreshToken      = "refresh_token"
)

// tokenRequest is what every grant receives after the shared phases.
type tokenRequest struct {
	r      *http.Request
	realm  *model.Realm
	client *clientAuth
	form   url.Values
	iss    string
	ip     string // the client's address
}

// tokenResponse is Keycloak's AccessTokenResponse, field for field.
type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	RefreshToken     string `json:"refresh_token,omitempty"`
	TokenType        string `json:"token_type"`
	IDToken          string `json:"id_token,omitempty"`
	NotBeforePolicy  int64  `json:"not-before-policy"`
	SessionState     string `json:"session_state,omitempty"`
	Scope            string `json:"scope"`
}

// token is the token endpoint: a fixed pipeline of phases (Keycloak's
// TokenEndpoint order) so that no grant can skip a shared check.
func (h *Handler) token(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	cors := httpapi.AllowAll // until the client is known
	err := func() error {
		realm, err := h.oidcRealm(r.Context(), r.PathValue("realm"))
		if err != nil {
			return err
		}
		if !realm.Enabled {
			return httpapi.OAuthError(http.StatusForbidden, "access_denied", "Realm not enabled")
		}
		form, err := parseForm(w, r)
		if err != nil {
			return err
		}
		grant := form.Get("grant_type")
		if grant == "" {
			return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Missing form parameter: grant_type")
		}
		run, ok := h.grants()[grant]
		if !ok {
			return httpapi.OAuthError(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
		}
		ca, err := h.authenticateClient(r, realm)
		if err != nil {
			h.event(r, realm, model.Event{Type: loginErrorType(grant), ClientID: form.Get("client_id"),
				Error: "invalid_client_credentials"})
			return err
		}
		cors = h.clientCORS(ca.client)
		if ca.client.BearerOnly {
			return httpapi.OAuthError(http.StatusBadRequest, "invalid_client", "Bearer-only not allowed")
		}
		if duplicated(form) {
			return httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "duplicated parameter")
		}
		resp, err := run(&tokenRequest{r: r, realm: realm, client: ca, form: form, iss: h.issuer(r, realm), ip: h.clientIP(r)})
		if err != nil {
			return err
		}
		cors.Apply(w, r)
		httpapi.WriteJSON(w, http.StatusOK, resp)
		return nil
	}()
	if err != nil {
		cors.Apply(w, r)
	}
	return err
}

func (h *Handler) grants() map[string]func(*tokenRequest) (*tokenResponse, error) {
	return map[string]func(*tokenRequest) (*tokenResponse, error){
		grantPassword:          h.passwordGrant,
		grantClientCredentials: h.clientCredentialsGrant,
		grantRefreshToken:      h.refreshGrant,
	}
}

func loginErrorType(grant string) string {
	switch grant {
	case grantClientCredentials:
		return "CLIENT_LOGIN_ERROR"
	case grantRefreshToken:
		return "REFRESH_TOKEN_ERROR"
	}
	return "LOGIN_ERROR"
}

// parseForm reads a bounded application/x-www-form-urlencoded body.
func parseForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_request",
			"Content-Type must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, httpapi.OAuthError(http.StatusBadRequest, "invalid_request", "Invalid form body")
	}
	return r.PostForm, nil
}

// duplicated reports a repeated form parameter, which Keycloak refuses.
func duplicated(form url.Values) bool {
	for _, v := range form {
		if len(v) > 1 {
			return true
		}
	}
	return false
}

// clientCORS is the CORS policy of a client's responses: its resolved web
// origins.
func (h *Handler) clientCORS(c *model.Client) httpapi.CORS {
	return httpapi.CORS{Allowed: httpapi.ResolveWebOrigins(c.WebOrigins, c.RedirectURIs, c.RootURL),
		Credentials: true, Expose: []string{"Access-Control-Allow-Methods"}}
}
