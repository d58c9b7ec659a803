package userprofile

import "maps"

// Metadata is Keycloak's UserProfileMetadata.
type Metadata struct {
	Attributes []AttributeMetadata `json:"attributes"`
	Groups     []GroupMetadata     `json:"groups"`
}

// AttributeMetadata is UserProfileAttributeMetadata.
type AttributeMetadata struct {
	Name         string                    `json:"name"`
	DisplayName  string                    `json:"displayName,omitempty"`
	Required     bool                      `json:"required"`
	ReadOnly     bool                      `json:"readOnly"`
	Annotations  map[string]any            `json:"annotations,omitempty"`
	Validators   map[string]map[string]any `json:"validators"`
	Group        string                    `json:"group,omitempty"`
	Multivalued  bool                      `json:"multivalued"`
	DefaultValue string                    `json:"defaultValue,omitempty"`
}

// GroupMetadata is UserProfileAttributeGroupMetadata.
type GroupMetadata struct {
	Name               string         `json:"name"`
	DisplayHeader      string         `json:"displayHeader,omitempty"`
	DisplayDescription string         `json:"displayDescription,omitempty"`
	Annotations        map[string]any `json:"annotations,omitempty"`
}

// Metadata describes the declared attributes this context may read, in
// declaration order (UserProfileUtil.createUserProfileMetadata). existing
// says whether it describes a stored user (whose username is read-only
// unless the realm lets it change) or a new one. Each validator's
// configuration carries "ignore.empty.value": true, as Keycloak adds it to
// configured validators; a single-valued attribute shows Keycloak's
// implicit {"multivalued": {"max": "1"}}.
func (p *Profile) Metadata(existing bool) Metadata {
	out := Metadata{Attributes: []AttributeMetadata{}, Groups: []GroupMetadata{}}
	for _, a := range p.Config.Attributes {
		if a == nil || !p.Readable(a.Name) {
			continue
		}
		m := AttributeMetadata{Name: a.Name, DisplayName: a.DisplayName, Required: p.Required(a.Name),
			ReadOnly: !p.Writable(a.Name), Annotations: maps.Clone(a.Annotations), Group: a.Group,
			Multivalued: a.Multivalued, DefaultValue: a.DefaultValue, Validators: map[string]map[string]any{}}
		if a.Name == "username" {
			m.ReadOnly = m.ReadOnly || p.Realm.RegistrationEmailAsUsername || (existing && !p.Realm.EditUsernameAllowed)
		}
		for _, v := range a.Validations {
			cfg := maps.Clone(v.Config)
			if cfg == nil {
				cfg = map[string]any{}
			}
			if v.ID != "multivalued" {
				cfg["ignore.empty.value"] = true
			}
			m.Validators[v.ID] = cfg
		}
		if _, ok := m.Validators["multivalued"]; !ok && !a.Multivalued {
			m.Validators["multivalued"] = map[string]any{"max": "1"}
		}
		out.Attributes = append(out.Attributes, m)
	}
	for _, g := range p.Config.Groups {
		if g.Name == nil {
			continue
		}
		out.Groups = append(out.Groups, GroupMetadata{Name: *g.Name, DisplayHeader: g.DisplayHeader,
			DisplayDescription: g.DisplayDescription, Annotations: maps.Clone(g.Annotations)})
	}
	return out
}
