package policy

import (
	"strconv"
	"strings"
)

// Keycloak's message keys, as the providers return them in PolicyError.
const (
	KeyMinLength       = "invalidPasswordMinLengthMessage"
	KeyMaxLength       = "invalidPasswordMaxLengthMessage"
	KeyMinDigits       = "invalidPasswordMinDigitsMessage"
	KeyMinLowerCase    = "invalidPasswordMinLowerCaseCharsMessage"
	KeyMinUpperCase    = "invalidPasswordMinUpperCaseCharsMessage"
	KeyMinSpecialChars = "invalidPasswordMinSpecialCharsMessage"
	KeyNotUsername     = "invalidPasswordNotUsernameMessage"
	KeyNotContainsUser = "invalidPasswordNotContainsUsernameMessage"
	KeyNotEmail        = "invalidPasswordNotEmailMessage"
	KeyRegexPattern    = "invalidPasswordRegexPatternMessage"
	KeyHistory         = "invalidPasswordHistoryMessage"
	KeyBlacklisted     = "invalidPasswordBlacklistedMessage"
	KeyGeneric         = "invalidPasswordGenericMessage"
)

// adminMessages is the English admin bundle
// (themes/.../admin/messages/messages_en.properties) for the policy keys.
var adminMessages = map[string]string{
	KeyMinLength:       "Invalid password: minimum length {0}.",
	KeyMaxLength:       "Invalid password: maximum length {0}.",
	KeyMinLowerCase:    "Invalid password: must contain at least {0} lower case characters.",
	KeyMinDigits:       "Invalid password: must contain at least {0} numerical digits.",
	KeyMinUpperCase:    "Invalid password: must contain at least {0} upper case characters.",
	KeyMinSpecialChars: "Invalid password: must contain at least {0} special characters.",
	KeyNotUsername:     "Invalid password: must not be equal to the username.",
	KeyNotContainsUser: "Invalid password: Can not contain the username.",
	KeyNotEmail:        "Invalid password: must not be equal to the email.",
	KeyRegexPattern:    "Invalid password: fails to match regex pattern(s).",
	KeyHistory:         "Invalid password: must not be equal to any of last {0} passwords.",
	KeyBlacklisted:     "Invalid password: password is blacklisted.",
	KeyGeneric:         "Invalid password: new password does not match password policies.",
}

// arg is one MessageFormat argument: an Integer or a String in Keycloak.
type arg struct {
	s     string
	n     int
	isInt bool
}

func intArg(n int) arg       { return arg{n: n, isInt: true} }
func stringArg(s string) arg { return arg{s: s} }

// raw is the argument as Keycloak's PolicyError carries it (Integer.toString
// for numbers).
func (a arg) raw() string {
	if a.isInt {
		return strconv.Itoa(a.n)
	}
	return a.s
}

// formatted is the argument as MessageFormat renders it in English: numbers
// through NumberFormat.getInstance(Locale.ENGLISH), with grouping.
func (a arg) formatted() string {
	if a.isInt {
		return groupThousands(a.n)
	}
	return a.s
}

// groupThousands formats n like java.text.DecimalFormat "#,##0" in English.
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// formatMessage renders the admin-bundle text of key with args the way
// MessageFormat does for these patterns (only {n} placeholders, no quotes).
// An unknown key renders as the key itself, as Keycloak does.
func formatMessage(key string, args []arg) string {
	text, ok := adminMessages[key]
	if !ok {
		return key
	}
	for i, a := range args {
		text = strings.ReplaceAll(text, "{"+strconv.Itoa(i)+"}", a.formatted())
	}
	return text
}

func newViolation(id, key string, args ...arg) Violation {
	params := make([]string, len(args))
	for i, a := range args {
		params[i] = a.raw()
	}
	return Violation{Policy: id, Key: key, Message: formatMessage(key, args), Params: params}
}
