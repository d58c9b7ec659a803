package kcrep

import "encoding/json"

// Keycloak's ifResourceExists policies of a partial import.
const (
	PolicyFail      = "FAIL"
	PolicySkip      = "SKIP"
	PolicyOverwrite = "OVERWRITE"
)

// Actions and resource types of PartialImportResult.
const (
	ActionAdded       = "ADDED"
	ActionSkipped     = "SKIPPED"
	ActionOverwritten = "OVERWRITTEN"

	ResourceUser       = "USER"
	ResourceClient     = "CLIENT"
	ResourceGroup      = "GROUP"
	ResourceRealmRole  = "REALM_ROLE"
	ResourceClientRole = "CLIENT_ROLE"
	ResourceIDP        = "IDP"
)

// PartialImportRepresentation is the body of POST
// /admin/realms/{realm}/partialImport: a subset of a realm representation
// and what to do with resources that exist already. An absent
// ifResourceExists means FAIL, as in Keycloak.
type PartialImportRepresentation struct {
	IfResourceExists        string                 `json:"ifResourceExists,omitempty"`
	Users                   []UserRepresentation   `json:"users,omitzero"`
	Clients                 []ClientRepresentation `json:"clients,omitzero"`
	Groups                  []GroupRepresentation  `json:"groups,omitzero"`
	Roles                   *RolesRepresentation   `json:"roles,omitempty"`
	IdentityProviders       json.RawMessage        `json:"identityProviders,omitzero"`
	IdentityProviderMappers json.RawMessage        `json:"identityProviderMappers,omitzero"`
}

// PartialImportResult is one resource a partial import dealt with. For a
// client role, ResourceName is "<clientId>--><role>" and ID the client's
// id, as in Keycloak.
type PartialImportResult struct {
	Action       string `json:"action"`
	ResourceType string `json:"resourceType"`
	ResourceName string `json:"resourceName"`
	ID           string `json:"id"`
}

// PartialImportResults is the answer of a partial import.
type PartialImportResults struct {
	Overwritten int                   `json:"overwritten"`
	Added       int                   `json:"added"`
	Skipped     int                   `json:"skipped"`
	Results     []PartialImportResult `json:"results"`
}

// Add records a result and counts it.
func (r *PartialImportResults) Add(res PartialImportResult) {
	switch res.Action {
	case ActionAdded:
		r.Added++
	case ActionSkipped:
		r.Skipped++
	case ActionOverwritten:
		r.Overwritten++
	}
	r.Results = append(r.Results, res)
}
