package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
)

// Mail kinds: the outbox message's Kind and the templates' base name.
const (
	KindVerifyEmail    = "verify-email"
	KindExecuteActions = "execute-actions"
)

var kinds = []string{KindVerifyEmail, KindExecuteActions}

// VerifyEmailData fills the verify-email templates.
type VerifyEmailData struct {
	// Realm is the realm's display name, or its name (Keycloak's realmName).
	Realm    string
	Link     string        // the action-token link
	Lifespan time.Duration // how long the link and the code work
	Code     string        // the numeric code (latchkey's addition); "" leaves it out
	// The recipient, for templates that greet them.
	Username, FirstName, LastName, Email string
}

// ExecuteActionsData fills the execute-actions templates.
type ExecuteActionsData struct {
	Realm    string
	Link     string
	Lifespan time.Duration
	Actions  []string // required-action ids: UPDATE_PASSWORD, VERIFY_EMAIL ...
	// The recipient, for templates that greet them.
	Username, FirstName, LastName, Email string
}

//go:embed templates/*.tmpl
var embedded embed.FS

// Templates renders mails: per kind, <kind>.subject.tmpl and
// <kind>.txt.tmpl (text/template) and <kind>.html.tmpl (html/template,
// which escapes the data it inserts). The embedded set carries Keycloak's
// English texts; a directory may override any of the files by name.
//
// Functions available to templates: lifetime (a duration as Keycloak
// words it, "5 minutes", "12 hours") and actions (required-action ids as
// Keycloak names them, comma-separated).
type Templates struct {
	subject, text map[string]*texttemplate.Template
	html          map[string]*htmltemplate.Template
}

var funcs = map[string]any{"lifetime": Lifetime, "actions": actionNames}

// LoadTemplates parses the embedded templates, each replaced by the file
// of the same name in dir when dir ("" for none) has one. A *.tmpl file in
// dir that names no template is an error, so that a typo does not silently
// leave the embedded text in place.
func LoadTemplates(dir string) (*Templates, error) {
	read := func(name string) ([]byte, error) { return embedded.ReadFile("templates/" + name) }
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("mail templates: %w", err)
		}
		var known []string
		for _, k := range kinds {
			known = append(known, k+".subject.tmpl", k+".txt.tmpl", k+".html.tmpl")
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".tmpl") && !slices.Contains(known, e.Name()) {
				return nil, fmt.Errorf("mail templates: %s names no template (known: %s)",
					filepath.Join(dir, e.Name()), strings.Join(known, ", "))
			}
		}
		read = func(name string) ([]byte, error) {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if errors.Is(err, fs.ErrNotExist) {
				return embedded.ReadFile("templates/" + name)
			}
			return b, err
		}
	}
	t := &Templates{
		subject: map[string]*texttemplate.Template{},
		text:    map[string]*texttemplate.Template{},
		html:    map[string]*htmltemplate.Template{},
	}
	for _, k := range kinds {
		for _, part := range []string{"subject", "txt", "html"} {
			name := k + "." + part + ".tmpl"
			src, err := read(name)
			if err != nil {
				return nil, fmt.Errorf("mail templates: %w", err)
			}
			if part == "html" {
				tm, err := htmltemplate.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(src))
				if err != nil {
					return nil, fmt.Errorf("mail templates: %w", err)
				}
				t.html[k] = tm
				continue
			}
			tm, err := texttemplate.New(name).Funcs(funcs).Option("missingkey=error").Parse(string(src))
			if err != nil {
				return nil, fmt.Errorf("mail templates: %w", err)
			}
			if part == "subject" {
				t.subject[k] = tm
			} else {
				t.text[k] = tm
			}
		}
	}
	return t, nil
}

// Render renders the mail of kind with data (VerifyEmailData or
// ExecuteActionsData). The subject is one line: surrounding space is
// trimmed, and a line break inside it, which would let data injected into
// it start new headers, is ErrHeaderInjection.
func (t *Templates) Render(kind string, data any) (subject, text, html string, err error) {
	st, ok := t.subject[kind]
	if !ok {
		return "", "", "", fmt.Errorf("mail: no templates for kind %q", kind)
	}
	var b bytes.Buffer
	if err := st.Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("mail: rendering %s subject: %w", kind, err)
	}
	subject = strings.TrimSpace(b.String())
	if err := checkHeader("Subject", subject); err != nil {
		return "", "", "", err
	}
	b.Reset()
	if err := t.text[kind].Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("mail: rendering %s text: %w", kind, err)
	}
	text = b.String()
	b.Reset()
	if err := t.html[kind].Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("mail: rendering %s HTML: %w", kind, err)
	}
	return subject, text, b.String(), nil
}

// Lifetime words a link's lifespan as Keycloak's emails do
// (LinkExpirationFormatterMethod): whole minutes, then the largest unit
// that divides them exactly: 300 s is "5 minutes", 43200 s "12 hours",
// 90 s "1 minute", 86400 s "1 day".
func Lifetime(d time.Duration) string {
	secs := int64(d/time.Minute) * 60 // Keycloak passes whole minutes
	unit, v := "second", secs
	if v > 0 && v%60 == 0 {
		unit, v = "minute", v/60
		if v%60 == 0 {
			unit, v = "hour", v/60
			if v%24 == 0 {
				unit, v = "day", v/24
			}
		}
	}
	if v != 1 {
		unit += "s"
	}
	return strconv.FormatInt(v, 10) + " " + unit
}

// requiredActionNames are Keycloak's English names of required actions
// (requiredAction.* in its email messages).
var requiredActionNames = map[string]string{
	"CONFIGURE_TOTP":                 "Configure OTP",
	"TERMS_AND_CONDITIONS":           "Terms and Conditions",
	"UPDATE_PASSWORD":                "Update Password",
	"UPDATE_PROFILE":                 "Update Profile",
	"VERIFY_EMAIL":                   "Verify Email",
	"CONFIGURE_RECOVERY_AUTHN_CODES": "Generate Recovery Codes",
}

func actionNames(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = id
		if n, ok := requiredActionNames[id]; ok {
			names[i] = n
		}
	}
	return strings.Join(names, ", ")
}
