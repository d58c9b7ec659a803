package model

import "time"

// Client is an OAuth/OIDC client (an application) registered in a realm.
// ID is the internal UUID; ClientID is the public identifier apps send.
type Client struct {
	ID        string    `json:"id"`
	RealmID   string    `json:"-"`
	ClientID  string    `json:"clientId"`
	CreatedAt time.Time `json:"-"`

	Name                      string            `json:"name,omitempty"`
	Description               string            `json:"description,omitempty"`
	RootURL                   string            `json:"rootUrl,omitempty"`
	AdminURL                  string            `json:"adminUrl,omitempty"`
	BaseURL                   string            `json:"baseUrl,omitempty"`
	Enabled                   bool              `json:"enabled"`
	AlwaysDisplayInConsole    bool              `json:"alwaysDisplayInConsole"`
	ClientAuthenticatorType   string            `json:"clientAuthenticatorType,omitempty"`
	Secret                    string            `json:"secret,omitempty"`
	RedirectURIs              []string          `json:"redirectUris,omitempty"`
	WebOrigins                []string          `json:"webOrigins,omitempty"`
	NotBefore                 int64             `json:"notBefore"`
	BearerOnly                bool              `json:"bearerOnly"`
	ConsentRequired           bool              `json:"consentRequired"`
	StandardFlowEnabled       bool              `json:"standardFlowEnabled"`
	ImplicitFlowEnabled       bool              `json:"implicitFlowEnabled"`
	DirectAccessGrantsEnabled bool              `json:"directAccessGrantsEnabled"`
	ServiceAccountsEnabled    bool              `json:"serviceAccountsEnabled"`
	PublicClient              bool              `json:"publicClient"`
	FrontchannelLogout        bool              `json:"frontchannelLogout"`
	Protocol                  string            `json:"protocol,omitempty"`
	FullScopeAllowed          bool              `json:"fullScopeAllowed"`
	Attributes                map[string]string `json:"attributes,omitempty"`
	DefaultClientScopes       []string          `json:"defaultClientScopes,omitempty"`
	OptionalClientScopes      []string          `json:"optionalClientScopes,omitempty"`
}
