package registration

import (
	"net/http"
	"strings"

	"github.com/latchkey/latchkey/internal/httpapi"
	"github.com/latchkey/latchkey/internal/policy"
	"github.com/latchkey/latchkey/internal/userprofile"
)

// rulesDoc is the machine-readable description of a realm's registration
// form: what to ask for, how it is checked, and the password policy.
type rulesDoc struct {
	Realm                       string        `json:"realm"`
	RegistrationAllowed         bool          `json:"registrationAllowed"`
	RegistrationEmailAsUsername bool          `json:"registrationEmailAsUsername"`
	VerifyEmail                 bool          `json:"verifyEmail"`
	Fields                      []fieldRule   `json:"fields"`
	PasswordPolicy              []policy.Rule `json:"passwordPolicy"`
	Captcha                     *captchaRule  `json:"captcha,omitempty"`
}

type fieldRule struct {
	Name       string         `json:"name"`
	Required   bool           `json:"required"`
	Validators map[string]any `json:"validators,omitempty"`
	// For attributes other than the four root fields, sent in the body's
	// "attributes": {name: [values]}.
	Attribute   bool           `json:"attribute,omitempty"`
	DisplayName string         `json:"displayName,omitempty"`
	Multivalued bool           `json:"multivalued,omitempty"`
	Annotations map[string]any `json:"annotations,omitempty"`
}

type captchaRule struct {
	Required bool   `json:"required"`
	SiteKey  string `json:"siteKey,omitempty"`
}

// Characters Keycloak's default user profile refuses (besides whitespace
// and control characters), for clients that check before sending.
const (
	usernameProhibitedChars   = "<>&\"'$%!#?§,;:*~/\\|^=[]{}()`"
	personNameProhibitedChars = "<>&\"$%!#?§;*~/\\|^=[]{}()"
)

// rules answers GET with Accept: application/json. Other GETs are the
// browser registration page in Keycloak, which latchkey does not serve yet.
func (h *Handler) rules(w http.ResponseWriter, r *http.Request) error {
	realm, err := h.realm(r)
	if err != nil {
		return err
	}
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		return httpapi.OAuthError(http.StatusNotAcceptable, "not_acceptable",
			"The browser registration page is not served; send Accept: application/json for the registration rules")
	}
	p, err := h.Passwords.Policy(realm)
	if err != nil {
		return err
	}
	cors, err := h.corsFor(r, realm, r.URL.Query().Get("client_id"))
	if err != nil {
		return err
	}
	cors.Apply(w, r)
	doc := rulesDoc{
		Realm: realm.Name, RegistrationAllowed: realm.RegistrationAllowed,
		RegistrationEmailAsUsername: realm.RegistrationEmailAsUsername, VerifyEmail: realm.VerifyEmail,
		PasswordPolicy: p.Rules(),
	}
	if doc.PasswordPolicy == nil {
		doc.PasswordPolicy = []policy.Rule{}
	}
	prof, err := userprofile.New(realm, userprofile.Registration)
	if err != nil {
		return err
	}
	doc.Fields = formFields(realm, prof)
	if captchaRequired(realm) {
		doc.Captcha = &captchaRule{Required: true, SiteKey: realm.Attributes["registrationCaptchaSiteKey"]}
	}
	httpapi.WriteJSON(w, http.StatusOK, doc)
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
