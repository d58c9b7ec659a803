package kcrep

import "encoding/json"

// ClientRepresentation is an OAuth/OIDC client as Keycloak's admin API and
// realm exports carry it. Booleans are pointers because Keycloak applies
// defaults to the ones left out (see OIDCLoginProtocolFactory.setupClientDefaults).
type ClientRepresentation struct {
	ID                      string `json:"id,omitempty"`
	ClientID                string `json:"clientId,omitempty"`
	Name                    string `json:"name,omitempty"`
	Description             string `json:"description,omitempty"`
	Type                    string `json:"type,omitempty"`
	RootURL                 string `json:"rootUrl,omitempty"`
	AdminURL                string `json:"adminUrl,omitempty"`
	BaseURL                 string `json:"baseUrl,omitempty"`
	SurrogateAuthRequired   *bool  `json:"surrogateAuthRequired,omitempty"`
	Enabled                 *bool  `json:"enabled,omitempty"`
	AlwaysDisplayInConsole  *bool  `json:"alwaysDisplayInConsole,omitempty"`
	ClientAuthenticatorType string `json:"clientAuthenticatorType,omitempty"`
	Secret                  string `json:"secret,omitempty"`
	RegistrationAccessToken string `json:"registrationAccessToken,omitempty"`
	// DefaultRoles is the pre-Keycloak-13 list of client roles given to new users.
	DefaultRoles []string `json:"defaultRoles,omitzero"`
	RedirectURIs []string `json:"redirectUris,omitzero"`
	WebOrigins   []string `json:"webOrigins,omitzero"`
	NotBefore    *int64   `json:"notBefore,omitempty"`

	BearerOnly                   *bool `json:"bearerOnly,omitempty"`
	ConsentRequired              *bool `json:"consentRequired,omitempty"`
	StandardFlowEnabled          *bool `json:"standardFlowEnabled,omitempty"`
	ImplicitFlowEnabled          *bool `json:"implicitFlowEnabled,omitempty"`
	DirectAccessGrantsEnabled    *bool `json:"directAccessGrantsEnabled,omitempty"`
	ServiceAccountsEnabled       *bool `json:"serviceAccountsEnabled,omitempty"`
	AuthorizationServicesEnabled *bool `json:"authorizationServicesEnabled,omitempty"`
	PublicClient                 *bool `json:"publicClient,omitempty"`
	FrontchannelLogout           *bool `json:"frontchannelLogout,omitempty"`

	Protocol                           string            `json:"protocol,omitempty"`
	Attributes                         map[string]string `json:"attributes,omitzero"`
	AuthenticationFlowBindingOverrides map[string]string `json:"authenticationFlowBindingOverrides,omitzero"`
	FullScopeAllowed                   *bool             `json:"fullScopeAllowed,omitempty"`
	NodeReRegistrationTimeout          *int64            `json:"nodeReRegistrationTimeout,omitempty"`
	DefaultClientScopes                []string          `json:"defaultClientScopes,omitzero"`
	OptionalClientScopes               []string          `json:"optionalClientScopes,omitzero"`
	Origin                             string            `json:"origin,omitempty"`
	// Access is output only: what the caller may do with the client.
	Access map[string]bool `json:"access,omitzero"`

	// Not modelled by latchkey yet; kept so an import can report them.
	ProtocolMappers       json.RawMessage `json:"protocolMappers,omitzero"`
	AuthorizationSettings json.RawMessage `json:"authorizationSettings,omitzero"`
	RegisteredNodes       json.RawMessage `json:"registeredNodes,omitzero"`
}
