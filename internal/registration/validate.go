package registration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/password"
	"github.com/latchkey/latchkey/internal/userprofile"
)

// fieldError is one problem of a registration, with Keycloak's message key,
// its parameters and the English text (Keycloak's login theme bundle).
type fieldError struct {
	Field        string `json:"field"`
	ErrorMessage string `json:"errorMessage"`
	Params       []any  `json:"params"`
	Message      string `json:"message"`
}

// loginMessages are the login bundle's English texts for the keys the
// registration checks produce; {n} is the n-th parameter.
var loginMessages = map[string]string{
	"missingUsernameMessage":              "Please specify username.",
	"missingEmailMessage":                 "Please specify email.",
	"missingFirstNameMessage":             "Please specify first name.",
	"missingLastNameMessage":              "Please specify last name.",
	"missingPasswordMessage":              "Please specify password.",
	"error-invalid-length":                "Length must be between {1} and {2}.",
	"error-invalid-length-too-long":       "Maximal length is {2}.",
	"error-invalid-email":                 "Invalid email address.",
	"error-username-invalid-character":    "Value contains invalid character.",
	"error-person-name-invalid-character": "Value contains invalid character.",
	"error-user-attribute-required":       "Please specify this field.",
	"error-invalid-length-too-short":      "Minimal length is {1}.",
	"error-pattern-no-match":              "Invalid value.",
	"error-invalid-value":                 "Invalid value.",
	"error-invalid-number":                "Invalid number.",
	"error-number-out-of-range":           "Number must be between {1} and {2}.",
	"error-number-out-of-range-too-small": "Number must have minimal value of {1}.",
	"error-number-out-of-range-too-big":   "Number must have maximal value of {2}.",
	"error-invalid-uri":                   "Invalid URL.",
	"error-invalid-uri-scheme":            "Invalid URL scheme.",
	"error-invalid-date":                  "Invalid date.",
	"error-invalid-multivalued-size":      "Attribute {0} must have at least {1} and at most {2} value(s).",
	"usernameExistsMessage":               "Username already exists.",
	"emailExistsMessage":                  "Email already exists.",
	"recaptchaFailed":                     "Invalid Recaptcha",
	// latchkey's own: the realm's email-domain lists.
	"emailDomainNotAllowedMessage": "Email domain not allowed.",
}

func format(key string, params []any) string {
	msg, ok := loginMessages[key]
	if !ok {
		return key
	}
	for i, p := range params {
		msg = strings.ReplaceAll(msg, fmt.Sprintf("{%d}", i), fmt.Sprint(p))
	}
	return msg
}

func newFieldError(field, key string, params ...any) fieldError {
	if params == nil {
		params = []any{}
	}
	return fieldError{Field: field, ErrorMessage: key, Params: params, Message: format(key, params)}
}

// rootRequired are the login bundle's keys for a missing root field.
var rootRequired = map[string]string{"username": "missingUsernameMessage", "email": "missingEmailMessage",
	"firstName": "missingFirstNameMessage", "lastName": "missingLastNameMessage"}

// check validates a registration as Keycloak's REGISTRATION context does
// (the realm's user profile: by default username, email, first and last
// name required, with the default validators; the password policy),
// returning every problem.
func (h *Handler) check(ctx context.Context, r *model.Realm, prof *userprofile.Profile, u *model.User, pw string) ([]fieldError, error) {
	var errs []fieldError
	if email := strings.TrimSpace(u.Email); email != "" && !domainAllowed(r, email) {
		errs = append(errs, newFieldError("email", "emailDomainNotAllowedMessage"))
	}
	for _, fe := range prof.Validate(u) {
		if key, ok := rootRequired[fe.Field]; ok && fe.Message == userprofile.MsgRequired {
			errs = append(errs, newFieldError(fe.Field, key))
			continue
		}
		errs = append(errs, newFieldError(fe.Field, fe.Message, fe.Params...))
	}
	if pw == "" {
		errs = append(errs, newFieldError("password", "missingPasswordMessage"))
	} else {
		err := h.Passwords.Check(ctx, r, u, pw)
		var ppe *password.PolicyError
		switch {
		case errors.As(err, &ppe):
			for _, v := range ppe.Violations {
				params := make([]any, len(v.Params))
				for i, p := range v.Params {
					params[i] = p
				}
				errs = append(errs, fieldError{Field: "password", ErrorMessage: v.Key, Params: params, Message: v.Message})
			}
		case err != nil:
			return nil, err
		}
	}
	// In the form's order, as Keycloak lists them; a field keeps the order
	// of its own errors.
	slices.SortStableFunc(errs, func(a, b fieldError) int { return fieldRank(a.Field) - fieldRank(b.Field) })
	return errs, nil
}

func fieldRank(field string) int {
	switch field {
	case "username":
		return 0
	case "email":
		return 1
	case "firstName":
		return 2
	case "lastName":
		return 3
	case "password":
		return 5
	}
	return 4
}

// domainAllowed applies the realm's email-domain lists (realm attributes
// registrationEmailDomainAllowList and registrationEmailDomainDenyList,
// comma-separated, case-insensitive; ".example.com" also covers
// subdomains).
func domainAllowed(r *model.Realm, email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return true // the email validator reports it
	}
	domain := strings.ToLower(strings.TrimSpace(email[at+1:]))
	matches := func(list string) bool {
		for _, d := range strings.Split(list, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			switch {
			case d == "":
			case strings.HasPrefix(d, "."):
				if strings.HasSuffix(domain, d) || domain == d[1:] {
					return true
				}
			case domain == d:
				return true
			}
		}
		return false
	}
	if allow := r.Attributes["registrationEmailDomainAllowList"]; strings.TrimSpace(allow) != "" && !matches(allow) {
		return false
	}
	return !matches(r.Attributes["registrationEmailDomainDenyList"])
}
