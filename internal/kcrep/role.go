package kcrep

import "encoding/json"

// RoleRepresentation is a realm or client role. In exports composites are
// given by name: realm role names, and client role names per clientId.
type RoleRepresentation struct {
	ID                 string              `json:"id,omitempty"`
	Name               string              `json:"name,omitempty"`
	Description        string              `json:"description,omitempty"`
	ScopeParamRequired *bool               `json:"scopeParamRequired,omitempty"` // legacy, Keycloak < 4
	Composite          *bool               `json:"composite,omitempty"`
	Composites         *Composites         `json:"composites,omitempty"`
	ClientRole         *bool               `json:"clientRole,omitempty"`
	ContainerID        string              `json:"containerId,omitempty"`
	Attributes         map[string][]string `json:"attributes,omitzero"`
}

// Composites names the child roles of a composite role.
type Composites struct {
	Realm  []string            `json:"realm,omitzero"`
	Client map[string][]string `json:"client,omitzero"`
	// Application is the pre-Keycloak-4 name of Client; importers should
	// treat its entries as client roles.
	Application map[string][]string `json:"application,omitzero"`
}

// RolesRepresentation is the "roles" member of a realm export: realm roles,
// and client roles keyed by clientId.
type RolesRepresentation struct {
	Realm  []RoleRepresentation            `json:"realm,omitzero"`
	Client map[string][]RoleRepresentation `json:"client,omitzero"`
	// Application is the pre-Keycloak-4 name of Client.
	Application map[string][]RoleRepresentation `json:"application,omitzero"`
}

// GroupRepresentation is a group and its subgroups, as the admin API and
// realm exports carry it; role mappings are by name (clientRoles by
// clientId).
type GroupRepresentation struct {
	ID            string                `json:"id,omitempty"`
	Name          string                `json:"name,omitempty"`
	Description   string                `json:"description,omitempty"`
	Path          string                `json:"path,omitempty"`
	ParentID      string                `json:"parentId,omitempty"`
	SubGroupCount *int64                `json:"subGroupCount,omitempty"`
	SubGroups     []GroupRepresentation `json:"subGroups,omitzero"`
	Attributes    map[string][]string   `json:"attributes,omitzero"`
	RealmRoles    []string              `json:"realmRoles,omitzero"`
	ClientRoles   map[string][]string   `json:"clientRoles,omitzero"`
	Access        map[string]bool       `json:"access,omitzero"`
}

// isEmptyRaw reports whether a kept-aside section holds nothing worth
// mentioning: absent, null, "", [] or {}.
func isEmptyRaw(m json.RawMessage) bool {
	var v any
	if len(m) == 0 || json.Unmarshal(m, &v) != nil {
		return len(m) == 0
	}
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}
