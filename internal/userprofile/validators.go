package userprofile

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/latchkey/latchkey/internal/user"
)

// Message keys of Keycloak's validators.
const (
	MsgRequired          = "error-user-attribute-required"
	MsgInvalidLength     = "error-invalid-length"
	MsgLengthTooShort    = "error-invalid-length-too-short"
	MsgLengthTooLong     = "error-invalid-length-too-long"
	MsgInvalidEmail      = "error-invalid-email"
	MsgPatternNoMatch    = "error-pattern-no-match"
	MsgInvalidValue      = "error-invalid-value"
	MsgInvalidNumber     = "error-invalid-number"
	MsgNumberOutOfRange  = "error-number-out-of-range"
	MsgNumberTooSmall    = "error-number-out-of-range-too-small"
	MsgNumberTooBig      = "error-number-out-of-range-too-big"
	MsgInvalidURI        = "error-invalid-uri"
	MsgInvalidURIScheme  = "error-invalid-uri-scheme"
	MsgInvalidDate       = "error-invalid-date"
	MsgUsernameChars     = "error-username-invalid-character"
	MsgPersonNameChars   = "error-person-name-invalid-character"
	MsgInvalidMultivalue = "error-invalid-multivalued-size"
)

// UsernameProhibited and PersonNameProhibited are the patterns of
// UsernameProhibitedCharactersValidator and
// PersonNameProhibitedCharactersValidator, with Java's \s, \v, \h and
// \p{Cntrl} spelled out.
var (
	UsernameProhibited = regexp.MustCompile("[<>&\"'$%!#?§,;:*~/\\\\|^=\\[\\]{}()`" +
		"\\x00-\\x20\\x7f\\x85\\xa0\\x{1680}\\x{180e}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]")
	PersonNameProhibited = regexp.MustCompile("[<>&\"$%!#?§;*~/\\\\|^=\\[\\]{}()" +
		"\\x00-\\x1f\\x7f\\x85\\x{2028}\\x{2029}]")
)

// validator is one of Keycloak's validators: validate checks one
// non-blank value and returns the message key and parameters after the
// attribute name ("" when the value passes).
type validator struct {
	validate    func(value string, cfg map[string]any, env *env) (string, []any)
	checkConfig func(id string, cfg map[string]any) []configError
}

// env is what a validation may look at besides the value.
type env struct {
	emailAsUsername bool
	attr            string
}

var validators map[string]validator

func init() {
	validators = map[string]validator{
		"length":  {validate: validateLength, checkConfig: checkMinMax(true, true)},
		"email":   {validate: validateEmail},
		"pattern": {validate: validatePattern, checkConfig: checkPattern},
		"options": {validate: validateOptions, checkConfig: checkOptions},
		"integer": {validate: validateNumber(true), checkConfig: checkMinMax(false, true)},
		"double":  {validate: validateNumber(false), checkConfig: checkMinMax(false, false)},
		"uri":     {validate: validateURI},
		"local-date": {validate: func(v string, _ map[string]any, _ *env) (string, []any) {
			if _, err := time.Parse("2006-01-02", v); err != nil {
				return MsgInvalidDate, nil
			}
			return "", nil
		}},
		"person-name-prohibited-characters": {validate: func(v string, cfg map[string]any, _ *env) (string, []any) {
			if PersonNameProhibited.MatchString(v) {
				return errorMessage(cfg, MsgPersonNameChars), nil
			}
			return "", nil
		}},
		"username-prohibited-characters": {validate: func(v string, cfg map[string]any, e *env) (string, []any) {
			if e.attr == "username" && e.emailAsUsername {
				return "", nil // the username is the email, checked as one
			}
			if UsernameProhibited.MatchString(v) {
				return errorMessage(cfg, MsgUsernameChars), nil
			}
			return "", nil
		}},
		"up-username-not-idn-homograph": {validate: func(v string, cfg map[string]any, e *env) (string, []any) {
			if e.attr == "username" && e.emailAsUsername {
				return "", nil
			}
			if user.Homograph(v) {
				return errorMessage(cfg, MsgUsernameChars), nil
			}
			return "", nil
		}},
		// multivalued counts values; it is applied per attribute.
		"multivalued": {checkConfig: checkMultivalued},
	}
}

func errorMessage(cfg map[string]any, def string) string {
	if s, ok := cfg["error-message"].(string); ok && strings.TrimSpace(s) != "" {
		return s
	}
	return def
}

func trim(s string) string { return strings.TrimSpace(s) }

// javaLen is a string's length as Java counts it (UTF-16 code units).
func javaLen(s string) int { return len(utf16.Encode([]rune(s))) }

// number reads a configuration number: a JSON number or a string holding
// one (Keycloak's ValidatorConfig.getInt/getDouble accept both).
func number(v any, integer bool) (float64, bool) {
	var s string
	switch n := v.(type) {
	case json.Number:
		s = n.String()
	case float64:
		s = strconv.FormatFloat(n, 'f', -1, 64)
	case int:
		return float64(n), true
	case string:
		s = strings.TrimSpace(n)
	default:
		return 0, false
	}
	if integer {
		i, err := strconv.ParseInt(s, 10, 64)
		return float64(i), err == nil
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsNaN(f)
}

// param is a bound as Keycloak reports it: an integer, or nil when unset.
func param(cfg map[string]any, key string, integer bool) any {
	f, ok := number(cfg[key], integer)
	if !ok {
		return nil
	}
	if integer {
		return int64(f)
	}
	return f
}

func validateLength(v string, cfg map[string]any, _ *env) (string, []any) {
	if b, _ := cfg["trim-disabled"].(bool); !b {
		v = trim(v)
	}
	n := float64(javaLen(v))
	min, hasMin := number(cfg["min"], true)
	max, hasMax := number(cfg["max"], true)
	if (hasMin && n < min) || (hasMax && n > max) {
		msg := MsgInvalidLength
		switch {
		case !hasMax:
			msg = MsgLengthTooShort
		case !hasMin:
			msg = MsgLengthTooLong
		}
		return msg, []any{param(cfg, "min", true), param(cfg, "max", true)}
	}
	return "", nil
}

func validateEmail(v string, cfg map[string]any, _ *env) (string, []any) {
	if !user.ValidEmail(v) {
		return MsgInvalidEmail, []any{v}
	}
	if max, ok := number(cfg["max-local-length"], true); ok {
		if at := strings.LastIndexByte(v, '@'); at >= 0 && float64(javaLen(v[:at])) > max {
			return MsgInvalidEmail, []any{v}
		}
	}
	return "", nil
}

func validatePattern(v string, cfg map[string]any, _ *env) (string, []any) {
	p, _ := cfg["pattern"].(string)
	re, err := compileJava(p)
	if err != nil || !re.MatchString(v) {
		return errorMessage(cfg, MsgPatternNoMatch), []any{p}
	}
	return "", nil
}

func validateOptions(v string, cfg map[string]any, _ *env) (string, []any) {
	opts, _ := cfg["options"].([]any)
	for _, o := range opts {
		if fmt.Sprint(o) == v {
			return "", nil
		}
	}
	return MsgInvalidValue, nil
}

func validateNumber(integer bool) func(string, map[string]any, *env) (string, []any) {
	return func(v string, cfg map[string]any, _ *env) (string, []any) {
		n, ok := number(trim(v), integer)
		if !ok {
			return MsgInvalidNumber, nil
		}
		min, hasMin := number(cfg["min"], integer)
		max, hasMax := number(cfg["max"], integer)
		if (hasMin && n < min) || (hasMax && n > max) {
			msg := MsgNumberOutOfRange
			switch {
			case !hasMax:
				msg = MsgNumberTooSmall
			case !hasMin:
				msg = MsgNumberTooBig
			}
			return msg, []any{param(cfg, "min", integer), param(cfg, "max", integer)}
		}
		return "", nil
	}
}

// validateURI is UriValidator: a parseable absolute URI whose scheme, when
// allowedSchemes is set, is one of them (by default any).
func validateURI(v string, cfg map[string]any, _ *env) (string, []any) {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || strings.ContainsAny(v, " \t\n") {
		return MsgInvalidURI, nil
	}
	if schemes, ok := cfg["allowedSchemes"].([]any); ok && len(schemes) > 0 {
		for _, s := range schemes {
			if fmt.Sprint(s) == u.Scheme {
				return "", nil
			}
		}
		return MsgInvalidURIScheme, nil
	}
	return "", nil
}

// javaClasses are Java's POSIX-style property classes, which RE2 spells
// as bracket classes.
var javaClasses = strings.NewReplacer(
	`\p{Alpha}`, `[a-zA-Z]`, `\p{Digit}`, `[0-9]`, `\p{Alnum}`, `[a-zA-Z0-9]`,
	`\p{Upper}`, `[A-Z]`, `\p{Lower}`, `[a-z]`, `\p{Punct}`, `[!-/:-@\[-`+"`"+`{-~]`,
	`\p{Space}`, `[ \t\n\x0B\f\r]`, `\p{Cntrl}`, `[\x00-\x1F\x7F]`, `\p{XDigit}`, `[0-9a-fA-F]`,
	`\p{IsAlphabetic}`, `\p{L}`, `\p{IsDigit}`, `\p{Nd}`, `\p{IsLetter}`, `\p{L}`,
	`\p{javaLowerCase}`, `\p{Ll}`, `\p{javaUpperCase}`, `\p{Lu}`,
)

// compileJava compiles a Java regular expression as Go's RE2 reads it,
// anchored at both ends as Java's Matcher.matches is. RE2 has no
// back-references, look-around, possessive quantifiers or atomic groups:
// a pattern using them is refused as an invalid configuration.
func compileJava(p string) (*regexp.Regexp, error) {
	return regexp.Compile(`\A(?:` + javaClasses.Replace(p) + `)\z`)
}
