package realmimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Placeholders follow Keycloak's import: ${NAME} is replaced by the
// environment variable NAME, ${NAME:default} falls back to default, and
// ${env.NAME} is accepted too. Keycloak leaves an unresolved ${...} as it
// is, and real exports are full of them ("${role_offline-access}",
// "${client_account}", "${authBaseUrl}" are theme message keys). So only a
// name written the way environment variables are (upper case, digits,
// underscores) or with the env. prefix is an error when unset: that is a
// forgotten variable, which Keycloak would import as literal text.

// expandEnv resolves the placeholders in every string value of data and
// returns the new document. Each unset variable is reported with the
// location of the string that uses it.
func expandEnv(data []byte, getenv func(string) (string, bool)) ([]byte, []locError) {
	if !bytes.Contains(data, []byte("${")) {
		return data, nil
	}
	var errs []locError
	var out bytes.Buffer
	last := int64(0)
	walkValues(data, func(v valueToken) bool {
		s, ok := v.Tok.(string)
		if !ok || !strings.Contains(s, "${") {
			return true
		}
		expanded, missing := expandString(s, getenv)
		for _, name := range missing {
			errs = append(errs, locError{loc: v.Path, msg: fmt.Sprintf(
				"environment variable %s is not set (write ${%s:default} to give a default)", name, name)})
		}
		if expanded == s {
			return true
		}
		out.Write(data[last:v.Start])
		out.Write(quoteJSON(expanded))
		last = v.End
		return true
	})
	if last == 0 {
		return data, errs
	}
	out.Write(data[last:])
	return out.Bytes(), errs
}

func quoteJSON(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}

// expandString resolves the placeholders in s. Defaults may hold
// placeholders themselves (${A:${B}}); a resolved value is not expanded
// again.
func expandString(s string, getenv func(string) (string, bool)) (string, []string) {
	var b strings.Builder
	var missing []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), missing
		}
		j := closingBrace(s, i+2)
		if j < 0 {
			b.WriteString(s)
			return b.String(), missing
		}
		b.WriteString(s[:i])
		inner := s[i+2 : j]
		s = s[j+1:]

		name, def, hasDef := strings.Cut(inner, ":")
		envName, prefixed := strings.CutPrefix(name, "env.")
		if !isVarName(envName) {
			b.WriteString("${" + inner + "}")
			continue
		}
		if v, ok := getenv(envName); ok {
			b.WriteString(v)
			continue
		}
		if hasDef {
			v, m := expandString(def, getenv)
			b.WriteString(v)
			missing = append(missing, m...)
			continue
		}
		if prefixed || isUpperName(envName) {
			missing = append(missing, envName)
		}
		b.WriteString("${" + inner + "}")
	}
}

// closingBrace finds the brace that closes the placeholder whose content
// starts at from, counting nested ${...}.
func closingBrace(s string, from int) int {
	depth := 1
	for k := from; k < len(s); k++ {
		switch s[k] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

func isVarName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// isUpperName reports whether s is written like an environment variable:
// no lower-case letter and at least one upper-case one.
func isUpperName(s string) bool {
	return strings.ToLower(s) != s && strings.ToUpper(s) == s
}
