package user

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"

	"github.com/latchkey/latchkey/internal/model"
)

// ErrMissingUsername is Keycloak's missingUsernameMessage: the admin API
// answers it with 400 "User name is missing".
var ErrMissingUsername = errors.New("user: username is missing")

// FieldError is one failed user-profile validator, in Keycloak's terms:
// the attribute, the message key and its parameters (the attribute name
// first, as Keycloak's AttributeValidator passes them).
type FieldError struct {
	Field   string
	Message string
	Params  []any
}

// ProfileError lists every failed validator, attributes in Keycloak's
// order (username, email, firstName, lastName).
type ProfileError struct {
	Errors []FieldError
}

func (e *ProfileError) Error() string {
	return "user: invalid " + e.Errors[0].Field + ": " + e.Errors[0].Message
}

// Keycloak's default user profile validators
// (keycloak-default-user-profile.json; the patterns are those of
// UsernameProhibitedCharactersValidator and
// PersonNameProhibitedCharactersValidator, with Java's \s, \v, \h and
// \p{Cntrl} spelled out).
var (
	usernameProhibited = regexp.MustCompile("[<>&\"'$%!#?§,;:*~/\\\\|^=\\[\\]{}()`" +
		"\\x00-\\x20\\x7f\\x85\\xa0\\x{1680}\\x{180e}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]")
	personNameProhibited = regexp.MustCompile("[<>&\"$%!#?§;*~/\\\\|^=\\[\\]{}()" +
		"\\x00-\\x1f\\x7f\\x85\\x{2028}\\x{2029}]")
)

const (
	msgInvalidLength        = "error-invalid-length"
	msgInvalidLengthTooLong = "error-invalid-length-too-long"
	msgUsernameChars        = "error-username-invalid-character"
	msgPersonNameChars      = "error-person-name-invalid-character"
	msgInvalidEmail         = "error-invalid-email"
)

// Validate checks u against the realm's user profile as Keycloak's default
// configuration does in the admin context: username required (it is the
// email when the realm uses emails as usernames), 3 to 255 characters,
// none of the prohibited characters and no look-alike (homograph) letters;
// email syntax and at most 255 characters; first and last names at most
// 255 characters without the characters prohibited in person names. It
// returns ErrMissingUsername or a *ProfileError.
func Validate(r *model.Realm, u *model.User) error {
	username := strings.TrimSpace(u.Username)
	if r.RegistrationEmailAsUsername {
		username = strings.TrimSpace(u.Email)
	}
	if username == "" {
		return ErrMissingUsername
	}
	var errs []FieldError
	add := func(field, msg string, params ...any) {
		fe := FieldError{Field: field, Message: msg, Params: append([]any{field}, params...)}
		for _, e := range errs {
			if e.Field == fe.Field && e.Message == fe.Message {
				return
			}
		}
		errs = append(errs, fe)
	}
	if n := javaLen(username); n < 3 || n > 255 {
		add("username", msgInvalidLength, 3, 255)
	}
	if !r.RegistrationEmailAsUsername {
		if usernameProhibited.MatchString(username) {
			add("username", msgUsernameChars)
		}
		if Homograph(username) {
			add("username", msgUsernameChars)
		}
	}
	if email := strings.TrimSpace(u.Email); email != "" {
		if !ValidEmail(email) {
			add("email", msgInvalidEmail, email)
		}
		if javaLen(email) > 255 {
			add("email", msgInvalidLengthTooLong, nil, 255)
		}
	}
	for _, f := range []struct{ field, value string }{{"firstName", u.FirstName}, {"lastName", u.LastName}} {
		v := strings.TrimSpace(f.value)
		if v == "" {
			continue
		}
		if javaLen(v) > 255 {
			add(f.field, msgInvalidLengthTooLong, nil, 255)
		}
		if personNameProhibited.MatchString(v) {
			add(f.field, msgPersonNameChars)
		}
	}
	if len(errs) > 0 {
		return &ProfileError{Errors: errs}
	}
	return nil
}

// javaLen is a string's length as Java counts it (UTF-16 code units),
// which is what Keycloak's length validator bounds.
func javaLen(s string) int { return len(utf16.Encode([]rune(s))) }

// Homograph reports whether a username could pass for another one: it
// mixes letters of different scripts (a Cyrillic "а" among Latin letters),
// holds compatibility forms such as full-width letters ("ａｄｍｉｎ"), which
// Unicode folds onto plain ones, or invisible characters (zero-width
// spaces and joiners, soft hyphens, bidirectional controls, variation
// selectors: Unicode's default-ignorable code points), which IDNA maps to
// nothing. It is latchkey's reading of Keycloak's
// up-username-not-idn-homograph validator.
func Homograph(s string) bool {
	if norm.NFKC.String(s) != s {
		return true
	}
	script := ""
	for _, r := range s {
		if invisible(r) {
			return true
		}
		if !unicode.IsLetter(r) {
			continue
		}
		name := scriptOf(r)
		if name == "" {
			continue
		}
		if script == "" {
			script = name
		} else if script != name {
			return true
		}
	}
	return false
}

// invisible reports a default-ignorable code point (Unicode's derived
// property: format characters, Other_Default_Ignorable_Code_Point and
// variation selectors).
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}

// scripts are those a letter is checked against; letters of other scripts
// (CJK, Arabic, ...) count as their own script "other".
var scripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek},
	{"Armenian", unicode.Armenian}, {"Cherokee", unicode.Cherokee},
}

func scriptOf(r rune) string {
	for _, s := range scripts {
		if unicode.Is(s.table, r) {
			return s.name
		}
	}
	return "other"
}

var (
	emailLocalAtom = regexp.MustCompile(`^[a-zA-Z0-9!#$%&'*+/=?^_` + "`" + `{|}~\x{0080}-\x{10FFFF}-]+$`)
	emailLabel     = regexp.MustCompile(`^[a-zA-Z0-9\x{0080}-\x{10FFFF}]([a-zA-Z0-9\x{0080}-\x{10FFFF}-]*[a-zA-Z0-9\x{0080}-\x{10FFFF}])?$`)
)

// ValidEmail checks an address as Keycloak's EmailValidationUtil does: a
// dot-atom local part of at most 64 characters, '@', and a domain of
// dot-separated labels (or a bracketed IP literal) of at most 255.
func ValidEmail(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return false
	}
	local, domain := email[:at], email[at+1:]
	if javaLen(local) > 64 || javaLen(domain) > 255 {
		return false
	}
	for _, atom := range strings.Split(local, ".") {
		if !emailLocalAtom.MatchString(atom) {
			return false
		}
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return len(domain) > 2
	}
	for _, label := range strings.Split(domain, ".") {
		if javaLen(label) > 63 || !emailLabel.MatchString(label) {
			return false
		}
	}
	return true
}

// RequiredActions are the required-action provider ids Keycloak 26
// registers (UserModel.RequiredAction and the provider factories).
var RequiredActions = []string{
	"CONFIGURE_RECOVERY_AUTHN_CODES", "CONFIGURE_TOTP", "TERMS_AND_CONDITIONS", "UPDATE_EMAIL",
	"UPDATE_PASSWORD", "UPDATE_PROFILE", "VERIFY_EMAIL", "VERIFY_PROFILE", "delete_account",
	"delete_credential", "update_user_locale", "webauthn-register", "webauthn-register-passwordless",
}

// KnownRequiredAction reports whether id is a required action Keycloak
// knows.
func KnownRequiredAction(id string) bool { return slices.Contains(RequiredActions, id) }

// KnownRequiredActions keeps the known ids of in, each once, in Keycloak's
// order (sorted by id); unknown ones are dropped silently, as Keycloak's
// admin API drops them.
func KnownRequiredActions(in []string) []string {
	out := []string{}
	for _, id := range RequiredActions {
		if slices.Contains(in, id) {
			out = append(out, id)
		}
	}
	return out
}
