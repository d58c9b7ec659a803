package userprofile

import (
	"fmt"
	"regexp"
	"strings"
)

// ConfigError is a configuration Keycloak refuses: its message is
// ComponentValidationException's, "UserProfile configuration is invalid:
// [...]", which the admin API answers with 400 {"errorMessage"}.
type ConfigError struct {
	Errors []string
}

func (e *ConfigError) Error() string {
	return "UserProfile configuration is invalid: [" + strings.Join(e.Errors, ", ") + "]"
}

// attributeName is UPConfigUtils' ATTRIBUTE_NAME_PATTERN: letters, digits
// and '.', '_', '-'.
var attributeName = regexp.MustCompile(`^[\p{L}\p{Nl}\p{Nd}._\-]+$`)

// Check validates c as UPConfigUtils.validate does, in its order, and
// returns a *ConfigError listing every problem, or nil. Client scopes are
// not modelled by latchkey, so scope names in required and selector are
// not checked against the realm's.
func Check(c *Config) error {
	var errs []string
	groups := map[string]bool{}
	for _, g := range c.Groups {
		if g.Name != nil {
			groups[*g.Name] = true
		}
	}
	if c.Attributes == nil {
		errs = append(errs, "UserProfile configuration without 'attributes' section is not allowed")
	}
	seen := map[string]bool{}
	for _, a := range c.Attributes {
		if a == nil {
			errs = append(errs, "Attribute configuration without 'name' is not allowed")
			continue
		}
		errs = append(errs, checkAttribute(a, groups, seen)...)
	}
	if c.Attributes != nil {
		for _, root := range []string{"username", "email"} {
			if c.Attribute(root) == nil {
				errs = append(errs, "The attribute '"+root+"' can not be removed")
			}
		}
	}
	if n := countNoName(c.Groups); n > 0 {
		errs = append(errs, fmt.Sprintf("Name is mandatory for groups, found %d group(s) without name.", n))
	}
	switch c.UnmanagedAttributePolicy {
	case "", PolicyEnabled, PolicyAdminEdit, PolicyAdminView:
	default:
		// Jackson refuses an unknown enum constant while reading.
		errs = append(errs, "Invalid unmanagedAttributePolicy '"+c.UnmanagedAttributePolicy+"'")
	}
	if len(errs) > 0 {
		return &ConfigError{Errors: errs}
	}
	return nil
}

func countNoName(gs []Group) int {
	n := 0
	for _, g := range gs {
		if g.Name == nil {
			n++
		}
	}
	return n
}

func checkAttribute(a *Attribute, groups, seen map[string]bool) []string {
	var errs []string
	name := a.Name
	switch {
	case name == "":
		errs = append(errs, "Attribute configuration without 'name' is not allowed")
	case seen[name]:
		errs = append(errs, "Attribute configuration already exists with 'name':'"+name+"'")
	default:
		seen[name] = true
		if !attributeName.MatchString(name) {
			errs = append(errs, "Invalid attribute name (only letters, numbers and '.' '_' '-' special characters allowed): "+name+"'")
		}
	}
	for _, v := range a.Validations {
		errs = append(errs, checkValidation(v, name)...)
	}
	if p := a.Permissions; p != nil {
		errs = append(errs, checkRoles(p.View, "permissions.view", name)...)
		errs = append(errs, checkRoles(p.Edit, "permissions.edit", name)...)
	}
	if a.Required != nil {
		errs = append(errs, checkRoles(a.Required.Roles, "required.roles", name)...)
	}
	if a.Group != "" && !groups[a.Group] {
		errs = append(errs, "Attribute '"+name+"' references unknown group '"+a.Group+"'")
	}
	if a.Annotations != nil {
		if v, ok := a.Annotations["inputOptions"]; ok {
			if _, isList := v.([]any); !isList {
				errs = append(errs, "Annotation 'inputOptions' configured for attribute '"+name+"' must be an array of values!'")
			}
		}
		if v, ok := a.Annotations["inputOptionLabels"]; ok {
			if _, isMap := v.(map[string]any); !isMap {
				errs = append(errs, "Annotation 'inputOptionLabels' configured for attribute '"+name+"' must be an object!'")
			}
		}
	}
	return errs
}

func checkRoles(roles []string, field, attr string) []string {
	var errs []string
	for _, r := range roles {
		if r != RoleAdmin && r != RoleUser {
			errs = append(errs, "'"+field+"' configuration for attribute '"+attr+"' contains unsupported role '"+r+"'")
		}
	}
	return errs
}

// configError is a Keycloak ValidationError of a validator's
// configuration, printed as its toString.
type configError struct {
	validator, hint, message string
	params                   []any
}

func (e configError) String() string {
	ps := make([]string, len(e.params))
	for i, p := range e.params {
		ps[i] = fmt.Sprint(p)
	}
	return "ValidationError{validatorId='" + e.validator + "', inputHint='" + e.hint + "', message='" +
		e.message + "', messageParameters=[" + strings.Join(ps, ", ") + "]}"
}

// Messages of validator configuration errors (ValidatorConfigValidator).
const (
	cfgMissing       = "error-validator-config-missing-value"
	cfgInvalid       = "error-validator-config-invalid-value"
	cfgInvalidNumber = "error-validator-config-invalid-number-value"
)

func checkValidation(v Validation, attr string) []string {
	if strings.TrimSpace(v.ID) == "" {
		return []string{"Validation without validator id is defined for attribute '" + attr + "'"}
	}
	val, ok := validators[v.ID]
	if !ok {
		return []string{"Validator '" + v.ID + "' defined for attribute '" + attr + "' doesn't exist"}
	}
	if val.checkConfig == nil {
		return nil
	}
	errs := val.checkConfig(v.ID, v.Config)
	if len(errs) == 0 {
		return nil
	}
	var sb strings.Builder
	for _, e := range errs {
		sb.WriteString(e.String() + ", ")
	}
	return []string{"Validator '" + v.ID + "' defined for attribute '" + attr + "' has incorrect configuration: " + sb.String()}
}

// checkMinMax is the configuration check of the length, integer and
// double validators: min and max numbers when present, min <= max.
func checkMinMax(needOne bool, integer bool) func(id string, cfg map[string]any) []configError {
	return func(id string, cfg map[string]any) []configError {
		_, hasMin := cfg["min"]
		_, hasMax := cfg["max"]
		if needOne && !hasMin && !hasMax {
			return []configError{{id, "min", cfgMissing, nil}}
		}
		var errs []configError
		min, minOK := number(cfg["min"], integer)
		max, maxOK := number(cfg["max"], integer)
		if hasMin && !minOK {
			errs = append(errs, configError{id, "min", cfgInvalidNumber, paramsOf(needOne, cfg["min"])})
		}
		if hasMax && !maxOK {
			errs = append(errs, configError{id, "max", cfgInvalidNumber, paramsOf(needOne, cfg["max"])})
		}
		if len(errs) == 0 && hasMin && hasMax && min > max {
			errs = append(errs, configError{id, "max", cfgInvalid, nil})
		}
		return errs
	}
}

// paramsOf: the length validator reports no parameters, the number
// validators the offending value.
func paramsOf(none bool, v any) []any {
	if none {
		return nil
	}
	return []any{v}
}

func checkPattern(id string, cfg map[string]any) []configError {
	raw, ok := cfg["pattern"]
	if !ok {
		return []configError{{id, "pattern", cfgMissing, nil}}
	}
	s, isStr := raw.(string)
	if !isStr {
		return []configError{{id, "pattern", cfgInvalid, []any{raw}}}
	}
	if _, err := compileJava(s); err != nil {
		return []configError{{id, "pattern", cfgInvalid, []any{raw, err.Error()}}}
	}
	return nil
}

func checkOptions(id string, cfg map[string]any) []configError {
	raw, ok := cfg["options"]
	if !ok {
		return []configError{{id, "options", cfgMissing, nil}}
	}
	if _, isList := raw.([]any); !isList {
		return []configError{{id, "options", cfgInvalid, []any{"must be list of values"}}}
	}
	return nil
}

func checkMultivalued(id string, cfg map[string]any) []configError {
	if len(cfg) == 0 {
		return []configError{{id, "max", cfgMissing, nil}}
	}
	var errs []configError
	_, hasMin := cfg["min"]
	min, minOK := number(cfg["min"], true)
	max, maxOK := number(cfg["max"], true)
	if hasMin && !minOK {
		errs = append(errs, configError{id, "min", cfgInvalidNumber, nil})
	}
	_, hasMax := cfg["max"]
	switch {
	case !maxOK && hasMax:
		errs = append(errs, configError{id, "max", cfgInvalidNumber, nil})
	case !maxOK:
		errs = append(errs, configError{id, "max", cfgMissing, nil})
	case minOK && min > max:
		errs = append(errs, configError{id, "max", cfgInvalid, nil})
	}
	return errs
}
