package kcrep

import "encoding/json"

// UserRepresentation is a user as the admin API and realm exports carry it.
// Role mappings (realmRoles, clientRoles by clientId) and credentials are
// honoured by realm import only; the admin API ignores the role mappings.
type UserRepresentation struct {
	ID                     string              `json:"id,omitempty"`
	Username               string              `json:"username,omitempty"`
	FirstName              string              `json:"firstName,omitempty"`
	LastName               string              `json:"lastName,omitempty"`
	Email                  string              `json:"email,omitempty"`
	EmailVerified          *bool               `json:"emailVerified,omitempty"`
	Attributes             map[string][]string `json:"attributes,omitzero"`
	Self                   string              `json:"self,omitempty"`
	Origin                 string              `json:"origin,omitempty"`
	CreatedTimestamp       *int64              `json:"createdTimestamp,omitempty"`
	Enabled                *bool               `json:"enabled,omitempty"`
	Totp                   *bool               `json:"totp,omitempty"`
	FederationLink         string              `json:"federationLink,omitempty"`
	ServiceAccountClientID string              `json:"serviceAccountClientId,omitempty"`

	Credentials                []CredentialRepresentation `json:"credentials,omitzero"`
	DisableableCredentialTypes []string                   `json:"disableableCredentialTypes,omitzero"`
	RequiredActions            []string                   `json:"requiredActions,omitzero"`
	RealmRoles                 []string                   `json:"realmRoles,omitzero"`
	ClientRoles                map[string][]string        `json:"clientRoles,omitzero"`
	// Groups are group paths such as "/staff".
	Groups    []string        `json:"groups,omitzero"`
	NotBefore *int64          `json:"notBefore,omitempty"`
	Access    map[string]bool `json:"access,omitzero"`

	// Not modelled by latchkey yet; kept so an import can report them.
	FederatedIdentities json.RawMessage `json:"federatedIdentities,omitzero"`
	ClientConsents      json.RawMessage `json:"clientConsents,omitzero"`
	UserProfileMetadata json.RawMessage `json:"userProfileMetadata,omitzero"`
}

// CredentialRepresentation is a user credential. A credential with Value is
// a plain password to hash; one with SecretData and CredentialData is an
// exported hash, stored as is. HashedSaltedValue, Salt, HashIterations and
// Algorithm are the pre-Keycloak-10 export format of a hash.
type CredentialRepresentation struct {
	ID             string `json:"id,omitempty"`
	Type           string `json:"type,omitempty"`
	UserLabel      string `json:"userLabel,omitempty"`
	CreatedDate    *int64 `json:"createdDate,omitempty"`
	SecretData     string `json:"secretData,omitempty"`
	CredentialData string `json:"credentialData,omitempty"`
	Priority       *int   `json:"priority,omitempty"`
	Value          string `json:"value,omitempty"`
	Temporary      *bool  `json:"temporary,omitempty"`

	// Legacy fields, converted on import.
	Device            string          `json:"device,omitempty"`
	HashedSaltedValue string          `json:"hashedSaltedValue,omitempty"`
	Salt              string          `json:"salt,omitempty"`
	HashIterations    *int            `json:"hashIterations,omitempty"`
	Counter           *int            `json:"counter,omitempty"`
	Algorithm         string          `json:"algorithm,omitempty"`
	Digits            *int            `json:"digits,omitempty"`
	Period            *int            `json:"period,omitempty"`
	Config            json.RawMessage `json:"config,omitzero"`
}
