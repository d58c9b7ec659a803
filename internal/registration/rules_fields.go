package registration

import (
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/userprofile"
)

// formFields are the registration form's fields: the attributes of the
// realm's user profile a user may edit, in its order (the username left
// out when the email is the username), then the password. Keycloak's
// validators are published in a form a client can apply (see
// fieldValidators).
func formFields(realm *model.Realm, prof *userprofile.Profile) []fieldRule {
	var out []fieldRule
	for _, a := range prof.Config.Attributes {
		if a == nil || !prof.Writable(a.Name) || (a.Name == "username" && realm.RegistrationEmailAsUsername) {
			continue
		}
		f := fieldRule{Name: a.Name, Required: prof.Required(a.Name), Validators: fieldValidators(a)}
		if a.Name == "email" {
			if f.Validators == nil {
				f.Validators = map[string]any{}
			}
			if v := strings.TrimSpace(realm.Attributes["registrationEmailDomainAllowList"]); v != "" {
				f.Validators["domainAllowList"] = splitList(v)
			}
			if v := strings.TrimSpace(realm.Attributes["registrationEmailDomainDenyList"]); v != "" {
				f.Validators["domainDenyList"] = splitList(v)
			}
		}
		if !userprofile.IsRoot(a.Name) {
			f.Attribute, f.DisplayName, f.Multivalued, f.Annotations = true, a.DisplayName, a.Multivalued, a.Annotations
		}
		out = append(out, f)
	}
	return append(out, fieldRule{Name: "password", Required: true})
}

// fieldValidators translates an attribute's validators: length {min,max};
// email true; the prohibited-character validators as the characters (and
// noWhitespace for usernames); noHomographs; pattern as the Java pattern
// (with its error message key); options as the list; integer and double
// as {min,max}; uri, local-date true; multivalued {min,max}.
func fieldValidators(a *userprofile.Attribute) map[string]any {
	out := map[string]any{}
	for _, v := range a.Validations {
		switch v.ID {
		case "length", "integer", "double", "multivalued":
			b := map[string]any{}
			for _, k := range []string{"min", "max"} {
				if x, ok := v.Config[k]; ok {
					b[k] = x
				}
			}
			out[v.ID] = b
		case "email", "uri", "local-date":
			out[v.ID] = true
		case "username-prohibited-characters":
			out["prohibitedCharacters"] = usernameProhibitedChars
			out["noWhitespace"] = true
		case "person-name-prohibited-characters":
			out["prohibitedCharacters"] = personNameProhibitedChars
		case "up-username-not-idn-homograph":
			out["noHomographs"] = true
		case "pattern":
			p := map[string]any{"pattern": v.Config["pattern"]}
			if m, ok := v.Config["error-message"]; ok {
				p["errorMessage"] = m
			}
			out["pattern"] = p
		case "options":
			out["options"] = v.Config["options"]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
