package oidc

import (
	"net/http"

	"github.com/latchkey/latchkey/internal/httpapi"
)

// discoveryDoc is the OpenID Provider metadata Keycloak publishes, limited
// to what latchkey implements: a client reading it learns only of
// endpoints, grants and methods that work.
type discoveryDoc struct {
	Issuer                                     string   `json:"issuer"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	IntrospectionEndpoint                      string   `json:"introspection_endpoint"`
	UserinfoEndpoint                           string   `json:"userinfo_endpoint"`
	EndSessionEndpoint                         string   `json:"end_session_endpoint"`
	JWKSURI                                    string   `json:"jwks_uri"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	ACRValuesSupported                         []string `json:"acr_values_supported"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	SubjectTypesSupported                      []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported           []string `json:"id_token_signing_alg_values_supported"`
	UserinfoSigningAlgValuesSupported          []string `json:"userinfo_signing_alg_values_supported"`
	ResponseModesSupported                     []string `json:"response_modes_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	IntrospectionEndpointAuthMethodsSupported  []string `json:"introspection_endpoint_auth_methods_supported"`
	ClaimsSupported                            []string `json:"claims_supported"`
	ClaimTypesSupported                        []string `json:"claim_types_supported"`
	ClaimsParameterSupported                   bool     `json:"claims_parameter_supported"`
	ScopesSupported                            []string `json:"scopes_supported"`
	RequestParameterSupported                  bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported               bool     `json:"request_uri_parameter_supported"`
	RevocationEndpoint                         string   `json:"revocation_endpoint"`
	RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported"`
	BackchannelLogoutSupported                 bool     `json:"backchannel_logout_supported"`
	FrontchannelLogoutSupported                bool     `json:"frontchannel_logout_supported"`
}

var clientAuthMethods = []string{"client_secret_basic", "client_secret_post"}

func (h *Handler) discovery(w http.ResponseWriter, r *http.Request) error {
	realm, err := h.oidcRealm(r.Context(), r.PathValue("realm"))
	if err != nil {
		return err
	}
	iss := h.issuer(r, realm)
	base := iss + "/protocol/openid-connect"
	algs := []string{"EdDSA", "ES256", "RS256"}
	doc := discoveryDoc{
		Issuer:                                    iss,
		TokenEndpoint:                             base + "/token",
		IntrospectionEndpoint:                     base + "/token/introspect",
		UserinfoEndpoint:                          base + "/userinfo",
		EndSessionEndpoint:                        base + "/logout",
		JWKSURI:                                   base + "/certs",
		GrantTypesSupported:                       []string{"client_credentials", "password", "refresh_token"},
		ACRValuesSupported:                        []string{"0", "1"},
		ResponseTypesSupported:                    []string{"none"},
		SubjectTypesSupported:                     []string{"public"},
		IDTokenSigningAlgValuesSupported:          algs,
		UserinfoSigningAlgValuesSupported:         []string{"none"},
		ResponseModesSupported:                    []string{"query", "fragment", "form_post"},
		TokenEndpointAuthMethodsSupported:         clientAuthMethods,
		IntrospectionEndpointAuthMethodsSupported: clientAuthMethods,
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "name", "given_name",
			"family_name", "preferred_username", "email", "acr", "azp", "nonce"},
		ClaimTypesSupported:                    []string{"normal"},
		ScopesSupported:                        []string{"openid", "address", "email", "microprofile-jwt", "offline_access", "phone", "profile"},
		RevocationEndpoint:                     base + "/revoke",
		RevocationEndpointAuthMethodsSupported: clientAuthMethods,
	}
	httpapi.AllowAll.Apply(w, r)
	httpapi.WriteJSON(w, http.StatusOK, doc)
	return nil
}

// certs publishes the realm's public signing keys (JWKS).
func (h *Handler) certs(w http.ResponseWriter, r *http.Request) error {
	realm, err := h.oidcRealm(r.Context(), r.PathValue("realm"))
	if err != nil {
		return err
	}
	keys, err := h.Keys.Get(r.Context(), realm.ID)
	if err != nil {
		return err
	}
	// Clients cache keys by kid; a short max-age lets a rotation reach
	// them soon without a fetch per token.
	w.Header().Set("Cache-Control", "no-transform, max-age=300")
	httpapi.AllowAll.Apply(w, r)
	httpapi.WriteJSON(w, http.StatusOK, keys.JWKS())
	return nil
}
