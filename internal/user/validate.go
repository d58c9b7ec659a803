package user

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

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
