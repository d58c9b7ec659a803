package userprofile

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
)

// Context is where a profile is used (Keycloak's UserProfileContext).
type Context int

const (
	// UserAPI is the admin REST API (role "admin").
	UserAPI Context = iota
	// Registration is self-registration (role "user").
	Registration
)

func (c Context) role() string {
	if c == UserAPI {
		return RoleAdmin
	}
	return RoleUser
}

// ErrMissingUsername is Keycloak's missingUsernameMessage: the admin API
// answers it with 400 "User name is missing".
var ErrMissingUsername = errors.New("userprofile: username is missing")

// FieldError is one failed validator: the attribute, Keycloak's message
// key and its parameters (the attribute name first, as Keycloak's
// ValidationError.getInputHintWithMessageParameters gives them).
type FieldError struct {
	Field   string
	Message string
	Params  []any
}

// RootAttributes are the attributes that are fields of a user, never
// listed among its attributes.
var RootAttributes = []string{"username", "email", "firstName", "lastName"}

// IsRoot reports a root attribute.
func IsRoot(name string) bool { return slices.Contains(RootAttributes, name) }

// Profile is a realm's configuration in one context.
type Profile struct {
	Config  *Config
	Context Context
	Realm   *model.Realm
	// Scopes are the client scopes requested (registration only): an
	// attribute required for some scopes is required when one of them is.
	Scopes []string
}

// New is the realm's profile in ctx.
func New(r *model.Realm, ctx Context) (*Profile, error) {
	c, err := Load(r)
	if err != nil {
		return nil, err
	}
	return &Profile{Config: c, Context: ctx, Realm: r}, nil
}

// Managed reports whether the configuration declares name.
func (p *Profile) Managed(name string) bool { return p.Config.Attribute(name) != nil }

// adminReadOnly and userReadOnly are Keycloak's read-only attribute
// patterns (DeclarativeUserProfileProviderFactory): the admin context
// refuses the first six, user contexts all of them. Compared
// case-insensitively; a trailing '*' is a prefix.
var (
	adminReadOnly = []string{"kerberos_principal", "ldap_id", "ldap_entry_dn", "created_timestamp",
		"createtimestamp", "modifytimestamp"}
	userReadOnly = append(slices.Clone(adminReadOnly), "usercertificate", "saml.persistent.name.id.for.*",
		"enabled", "email_verified", "disabledreason")
)

func (p *Profile) internalReadOnly(name string) bool {
	list := userReadOnly
	if p.Context == UserAPI {
		list = adminReadOnly
	}
	n := strings.ToLower(name)
	for _, pat := range list {
		if prefix, ok := strings.CutSuffix(pat, "*"); ok && strings.HasPrefix(n, prefix) || n == pat {
			return true
		}
	}
	return false
}

// Writable reports whether a caller in the profile's context may set
// name: a declared attribute by its edit permission (username and email
// without permissions are writable by all), an undeclared one by the
// unmanaged-attribute policy.
func (p *Profile) Writable(name string) bool {
	if strings.TrimSpace(name) == "" || p.internalReadOnly(name) {
		return false
	}
	if a := p.Config.Attribute(name); a != nil {
		if a.Permissions == nil || len(a.Permissions.View)+len(a.Permissions.Edit) == 0 {
			return name == "username" || name == "email"
		}
		return slices.Contains(a.Permissions.Edit, p.Context.role())
	}
	if IsRoot(name) {
		return false // firstName or lastName removed from the configuration
	}
	switch p.Config.UnmanagedAttributePolicy {
	case PolicyEnabled:
		return true
	case PolicyAdminEdit:
		return p.Context == UserAPI
	}
	return false
}

// Readable reports whether a caller in the profile's context sees name.
func (p *Profile) Readable(name string) bool {
	if p.Writable(name) {
		return true
	}
	if a := p.Config.Attribute(name); a != nil {
		if a.Permissions == nil {
			return false
		}
		return slices.Contains(a.Permissions.View, p.Context.role())
	}
	if IsRoot(name) {
		return false
	}
	switch p.Config.UnmanagedAttributePolicy {
	case PolicyEnabled:
		return true
	case PolicyAdminEdit, PolicyAdminView:
		return p.Context == UserAPI
	}
	return false
}

// Required reports whether name must have a value in this context: the
// username unless the email is the username, the email when so
// configured or when it is the username, any other attribute when its
// required roles name the context's role (required with scopes only: when
// one of the scopes is requested, never in the admin API).
func (p *Profile) Required(name string) bool {
	a := p.Config.Attribute(name)
	switch name {
	case "username":
		return !p.Realm.RegistrationEmailAsUsername
	case "email":
		if p.Realm.RegistrationEmailAsUsername {
			return true
		}
	}
	if a == nil || a.Required == nil {
		return false
	}
	rq := a.Required
	always := len(rq.Roles) == 0 && len(rq.Scopes) == 0
	if always || slices.Contains(rq.Roles, p.Context.role()) {
		if len(rq.Scopes) == 0 {
			return true
		}
		return p.Context != UserAPI && p.scopeRequested(rq.Scopes)
	}
	return p.Context != UserAPI && len(rq.Scopes) > 0 && p.scopeRequested(rq.Scopes)
}

func (p *Profile) scopeRequested(scopes []string) bool {
	for _, s := range p.Scopes {
		if slices.Contains(scopes, s) {
			return true
		}
	}
	return false
}

// Merge is the custom (non-root) attributes after a write: current ones
// (nil when creating) with the writable names of submitted set. With
// replace, a writable name submitted no more is removed, as Keycloak's
// admin update removes attributes left out of the representation. Names
// the caller may not write keep their stored values.
func (p *Profile) Merge(current, submitted map[string][]string, replace bool) map[string][]string {
	out := maps.Clone(current)
	if out == nil {
		out = map[string][]string{}
	}
	if replace {
		for name := range current {
			if _, sent := submitted[name]; !sent && !IsRoot(name) && p.Writable(name) {
				delete(out, name)
			}
		}
	}
	for name, vals := range submitted {
		if IsRoot(name) || !p.Writable(name) {
			continue
		}
		out[name] = slices.Clone(vals)
	}
	return out
}

// Visible keeps the custom attributes this context may read that have a
// non-blank value (nil when none).
func (p *Profile) Visible(attrs map[string][]string) map[string][]string {
	out := map[string][]string{}
	for name, vals := range attrs {
		if IsRoot(name) || !p.Readable(name) || !slices.ContainsFunc(vals, notBlank) {
			continue
		}
		out[name] = vals
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func notBlank(s string) bool { return strings.TrimSpace(s) != "" }

// values are an attribute's values on u (root attributes trimmed).
func values(u *model.User, name string) []string {
	switch name {
	case "username":
		return []string{trim(u.Username)}
	case "email":
		return []string{trim(u.Email)}
	case "firstName":
		return []string{trim(u.FirstName)}
	case "lastName":
		return []string{trim(u.LastName)}
	}
	return u.Attributes[name]
}

// Validate checks every declared attribute of u in declaration order:
// required ones must have a value; a single-valued one at most one; each
// non-blank value passes each validator. An attribute's identical errors
// are reported once.
func (p *Profile) Validate(u *model.User) []FieldError {
	var errs []FieldError
	add := func(field, msg string, params []any) {
		for _, e := range errs {
			if e.Field == field && e.Message == msg {
				return
			}
		}
		errs = append(errs, FieldError{Field: field, Message: msg, Params: append([]any{field}, params...)})
	}
	for _, a := range p.Config.Attributes {
		if a == nil {
			continue
		}
		vals := values(u, a.Name)
		n := 0
		for _, v := range vals {
			if notBlank(v) {
				n++
			}
		}
		required := p.Required(a.Name)
		if n == 0 {
			if required {
				add(a.Name, MsgRequired, nil)
			}
			continue
		}
		if mv, ok := a.Validations.get("multivalued"); ok {
			min, hasMin := number(mv.Config["min"], true)
			max, _ := number(mv.Config["max"], true)
			if !hasMin && required {
				min = 1
			}
			if float64(n) < min || float64(n) > max {
				add(a.Name, MsgInvalidMultivalue, []any{int64(min), int64(max)})
			}
		} else if !a.Multivalued && n > 1 {
			min := int64(0)
			if required {
				min = 1
			}
			add(a.Name, MsgInvalidMultivalue, []any{min, int64(1)})
		}
		e := &env{emailAsUsername: p.Realm.RegistrationEmailAsUsername, attr: a.Name}
		for _, val := range a.Validations {
			vd, ok := validators[val.ID]
			if !ok || vd.validate == nil {
				continue
			}
			for _, v := range vals {
				if !notBlank(v) {
					continue
				}
				if msg, params := vd.validate(v, val.Config, e); msg != "" {
					add(a.Name, msg, params)
				}
			}
		}
	}
	return errs
}
