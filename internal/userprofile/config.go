// Package userprofile is Keycloak's declarative user profile: a realm's
// UPConfig (the attributes a user has, who may see and edit each, which
// are required in which context and how their values are validated, and
// what happens to attributes the configuration does not declare), the
// default configuration every realm starts with, the checks a new
// configuration must pass, and its evaluation for the admin API (Keycloak's
// USER_API context) and self-registration (REGISTRATION).
package userprofile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/latchkey/latchkey/internal/model"
)

// RealmAttribute is the realm attribute holding a realm's configuration as
// JSON. A realm without it uses Default.
const RealmAttribute = "userProfileConfig"

// LegacyPolicyAttribute is the realm attribute latchkey read the
// unmanaged-attribute policy from before it modelled the user profile. It
// is still honoured for realms without a stored configuration, and
// dropped when a configuration is stored.
const LegacyPolicyAttribute = "unmanagedAttributePolicy"

// Unmanaged-attribute policies (UPConfig.UnmanagedAttributePolicy); ""
// means unmanaged attributes are disabled.
const (
	PolicyEnabled   = "ENABLED"
	PolicyAdminView = "ADMIN_VIEW"
	PolicyAdminEdit = "ADMIN_EDIT"
)

// The pseudo-roles of permissions and required (UPConfigUtils).
const (
	RoleAdmin = "admin"
	RoleUser  = "user"
)

// Config is Keycloak's UPConfig.
type Config struct {
	Attributes               []*Attribute `json:"attributes"`
	Groups                   []Group      `json:"groups"`
	UnmanagedAttributePolicy string       `json:"unmanagedAttributePolicy,omitempty"`
}

// Attribute is UPAttribute.
type Attribute struct {
	Name         string         `json:"name"`
	DisplayName  string         `json:"displayName,omitempty"`
	Validations  Validations    `json:"validations,omitempty"`
	Annotations  map[string]any `json:"annotations,omitempty"`
	Required     *Required      `json:"required,omitempty"`
	Permissions  *Permissions   `json:"permissions,omitempty"`
	Selector     *Selector      `json:"selector,omitempty"`
	Group        string         `json:"group,omitempty"`
	Multivalued  bool           `json:"multivalued"`
	DefaultValue string         `json:"defaultValue,omitempty"`
}

// Required is UPAttributeRequired: no roles and no scopes means always.
type Required struct {
	Roles  []string `json:"roles,omitempty"`
	Scopes []string `json:"scopes,omitempty"`
}

// Permissions is UPAttributePermissions.
type Permissions struct {
	View []string `json:"view"`
	Edit []string `json:"edit"`
}

// Selector is UPAttributeSelector.
type Selector struct {
	Scopes []string `json:"scopes,omitempty"`
}

// Group is UPGroup.
type Group struct {
	Name               *string        `json:"name"`
	DisplayHeader      string         `json:"displayHeader,omitempty"`
	DisplayDescription string         `json:"displayDescription,omitempty"`
	Annotations        map[string]any `json:"annotations,omitempty"`
}

// Validation is one validator of an attribute and its configuration.
type Validation struct {
	ID     string
	Config map[string]any
}

// Validations keeps the validators in the order the JSON lists them, which
// is the order Keycloak runs them in (a LinkedHashMap).
type Validations []Validation

// UnmarshalJSON reads an object of validator id to configuration.
func (v *Validations) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*v = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("validations: expected an object")
	}
	out := Validations{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var cfg map[string]any
		if err := dec.Decode(&cfg); err != nil {
			return fmt.Errorf("validations.%v: %w", t, err)
		}
		out = append(out, Validation{ID: t.(string), Config: cfg})
	}
	*v = out
	return nil
}

// MarshalJSON writes the validators in their order.
func (v Validations) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, val := range v {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(val.ID)
		cfg := val.Config
		if cfg == nil {
			cfg = map[string]any{}
		}
		c, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(c)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func (v Validations) get(id string) (Validation, bool) {
	for _, val := range v {
		if val.ID == id {
			return val, true
		}
	}
	return Validation{}, false
}

// defaultJSON is Keycloak 26's keycloak-default-user-profile.json.
const defaultJSON = `{
  "attributes": [
    {"name": "username", "displayName": "${username}",
     "validations": {"length": {"min": 3, "max": 255}, "username-prohibited-characters": {}, "up-username-not-idn-homograph": {}},
     "permissions": {"view": ["admin", "user"], "edit": ["admin", "user"]}, "multivalued": false},
    {"name": "email", "displayName": "${email}",
     "validations": {"email": {}, "length": {"max": 255}},
     "required": {"roles": ["user"]},
     "permissions": {"view": ["admin", "user"], "edit": ["admin", "user"]}, "multivalued": false},
    {"name": "firstName", "displayName": "${firstName}",
     "validations": {"length": {"max": 255}, "person-name-prohibited-characters": {}},
     "required": {"roles": ["user"]},
     "permissions": {"view": ["admin", "user"], "edit": ["admin", "user"]}, "multivalued": false},
    {"name": "lastName", "displayName": "${lastName}",
     "validations": {"length": {"max": 255}, "person-name-prohibited-characters": {}},
     "required": {"roles": ["user"]},
     "permissions": {"view": ["admin", "user"], "edit": ["admin", "user"]}, "multivalued": false}
  ],
  "groups": [
    {"name": "user-metadata", "displayHeader": "User metadata", "displayDescription": "Attributes, which refer to user metadata"}
  ]
}`

// Default is Keycloak's default configuration (a fresh copy).
func Default() *Config {
	c, err := Parse([]byte(defaultJSON))
	if err != nil {
		panic(err)
	}
	return c
}

// Parse reads a configuration without checking it (see Check).
func Parse(b []byte) (*Config, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	c.normalize()
	return &c, nil
}

// normalize applies what Keycloak's setters and getters do: names
// trimmed, groups never null, permissions' sets never null.
func (c *Config) normalize() {
	if c.Groups == nil {
		c.Groups = []Group{}
	}
	for _, a := range c.Attributes {
		if a == nil {
			continue
		}
		a.Name = trim(a.Name)
		a.Group = trim(a.Group)
		if a.Permissions != nil {
			if a.Permissions.View == nil {
				a.Permissions.View = []string{}
			}
			if a.Permissions.Edit == nil {
				a.Permissions.Edit = []string{}
			}
		}
	}
	for i := range c.Groups {
		if c.Groups[i].Name != nil {
			n := trim(*c.Groups[i].Name)
			c.Groups[i].Name = &n
		}
	}
}

// Load is the realm's configuration: the stored one, or Default with the
// unmanaged-attribute policy of the legacy realm attribute. A stored
// configuration that cannot be read is an error.
func Load(r *model.Realm) (*Config, error) {
	if raw := r.Attributes[RealmAttribute]; raw != "" {
		c, err := Parse([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("userprofile: realm %s: stored configuration: %w", r.Name, err)
		}
		return c, nil
	}
	c := Default()
	switch p := r.Attributes[LegacyPolicyAttribute]; p {
	case PolicyEnabled, PolicyAdminEdit, PolicyAdminView:
		c.UnmanagedAttributePolicy = p
	}
	return c, nil
}

// Store sets c as the realm's configuration in attrs (the realm's
// attributes, changed in place): c nil goes back to Default. The legacy
// policy attribute is removed either way: the configuration decides.
func Store(attrs map[string]string, c *Config) (map[string]string, error) {
	out := maps.Clone(attrs)
	if out == nil {
		out = map[string]string{}
	}
	delete(out, LegacyPolicyAttribute)
	if c == nil {
		delete(out, RealmAttribute)
		return out, nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	out[RealmAttribute] = string(b)
	return out, nil
}

// Attribute returns the declared attribute called name, or nil.
func (c *Config) Attribute(name string) *Attribute {
	for _, a := range c.Attributes {
		if a != nil && a.Name == name {
			return a
		}
	}
	return nil
}
