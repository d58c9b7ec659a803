package policy

import (
	"strings"
	"time"
)

// Validate returns every failing rule, in Keycloak's evaluation order (the Java
// HashMap bucket order), so the first element is what Keycloak's admin API
// would report. It returns an error only for a failing Reused callback.
//
// Rules that need stored credentials (passwordHistory, passwordAge) run only
// when c.Reused is set: Keycloak's username-only validation (the registration
// form) skips them too.
func (p *Policy) Validate(password string, c Context) ([]Violation, error) {
	if p == nil {
		return nil, nil
	}
	var out []Violation
	var units []uint16
	for _, i := range p.order {
		e := p.entries[i]
		var v *Violation
		switch e.id {
		case IDLength:
			if javaLength(password) < e.n {
				v = ptr(newViolation(e.id, KeyMinLength, intArg(e.n)))
			}
		case IDMaxLength:
			if javaLength(password) > e.n {
				v = ptr(newViolation(e.id, KeyMaxLength, intArg(e.n)))
			}
		case IDDigits, IDLowerCase, IDUpperCase, IDSpecialChars:
			if units == nil {
				units = utf16Units(password)
			}
			v = countRule(e, units)
		case IDNotUsername:
			if c.Username != "" && javaEqualsIgnoreCase(c.Username, password) {
				v = ptr(newViolation(e.id, KeyNotUsername))
			}
		case IDNotContainsUsername:
			if c.Username != "" && containsFold(password, c.Username) {
				v = ptr(newViolation(e.id, KeyNotContainsUser))
			}
		case IDNotEmail:
			if c.Email != "" && javaEqualsIgnoreCase(c.Email, password) {
				v = ptr(newViolation(e.id, KeyNotEmail))
			}
		case IDRegexPattern:
			if !e.re.MatchString(password) {
				v = ptr(newViolation(e.id, KeyRegexPattern, stringArg(e.s)))
			}
		case IDPasswordBlacklist:
			if e.bl != nil && e.bl.contains(password) {
				v = ptr(newViolation(e.id, KeyBlacklisted))
			}
		case IDPasswordHistory:
			if c.Reused == nil || e.n == -1 {
				break
			}
			// Keycloak checks the current password, then the N-1 most recent
			// history entries. N <= 0 (other than -1) makes Keycloak's
			// Stream.limit throw after the current-password check; here only
			// the current password is checked.
			reused, err := c.Reused(password, max(e.n, 1), time.Time{})
			if err != nil {
				return nil, err
			}
			if reused {
				v = ptr(newViolation(e.id, KeyHistory, intArg(e.n)))
			}
		case IDPasswordAge:
			if c.Reused == nil || e.n == -1 {
				break
			}
			count, newer := 1, time.Time{}
			if e.n > 0 {
				now := c.Now
				if now.IsZero() {
					now = time.Now()
				}
				count, newer = -1, now.UTC().AddDate(0, 0, -e.n)
			}
			reused, err := c.Reused(password, count, newer)
			if err != nil {
				return nil, err
			}
			if reused {
				v = ptr(newViolation(e.id, KeyGeneric, intArg(e.n)))
			}
		}
		if v != nil {
			out = append(out, *v)
		}
	}
	return out, nil
}

func ptr(v Violation) *Violation { return &v }

// countRule checks digits, lowerCase, upperCase and specialChars: each counts
// the UTF-16 code units of the password (password.toCharArray()) of a class.
func countRule(e entry, units []uint16) *Violation {
	var class func(uint16) bool
	var key string
	switch e.id {
	case IDDigits:
		class, key = javaIsDigit, KeyMinDigits
	case IDLowerCase:
		class, key = javaIsLowerCase, KeyMinLowerCase
	case IDUpperCase:
		class, key = javaIsUpperCase, KeyMinUpperCase
	default:
		class = func(c uint16) bool { return !javaIsLetterOrDigit(c) }
		key = KeyMinSpecialChars
	}
	n := 0
	for _, u := range units {
		if class(u) {
			n++
		}
	}
	if n < e.n {
		return ptr(newViolation(e.id, key, intArg(e.n)))
	}
	return nil
}

// containsFold is password.toLowerCase().contains(username.toLowerCase()).
func containsFold(password, username string) bool {
	return strings.Contains(javaToLower(password), javaToLower(username))
}

// Rules returns the rules that concern a new password, in the policy string's
// order. hashAlgorithm, hashIterations, forceExpiredPasswordChange, maxAuthAge
// and recoveryCodesWarningThreshold are not password rules and are left out,
// as are rules that check nothing (a bare passwordBlacklist, passwordHistory(-1)
// and passwordAge(-1)).
func (p *Policy) Rules() []Rule {
	if p == nil {
		return nil
	}
	rules := []Rule{}
	for _, e := range p.entries {
		r := Rule{ID: e.id}
		switch e.id {
		case IDLength:
			r.Value, r.Message = e.n, formatMessage(KeyMinLength, []arg{intArg(e.n)})
		case IDMaxLength:
			r.Value, r.Message = e.n, formatMessage(KeyMaxLength, []arg{intArg(e.n)})
		case IDDigits:
			r.Value, r.Message = e.n, formatMessage(KeyMinDigits, []arg{intArg(e.n)})
		case IDLowerCase:
			r.Value, r.Message = e.n, formatMessage(KeyMinLowerCase, []arg{intArg(e.n)})
		case IDUpperCase:
			r.Value, r.Message = e.n, formatMessage(KeyMinUpperCase, []arg{intArg(e.n)})
		case IDSpecialChars:
			r.Value, r.Message = e.n, formatMessage(KeyMinSpecialChars, []arg{intArg(e.n)})
		case IDNotUsername:
			r.Message = formatMessage(KeyNotUsername, nil)
		case IDNotContainsUsername:
			r.Message = formatMessage(KeyNotContainsUser, nil)
		case IDNotEmail:
			r.Message = formatMessage(KeyNotEmail, nil)
		case IDRegexPattern:
			r.Value, r.Message = e.s, formatMessage(KeyRegexPattern, nil)
		case IDPasswordBlacklist:
			if e.bl == nil {
				continue
			}
			r.Value, r.Message, r.ServerSide = e.s, formatMessage(KeyBlacklisted, nil), true
		case IDPasswordHistory:
			if e.n == -1 {
				continue
			}
			r.Value, r.Message, r.ServerSide = e.n, formatMessage(KeyHistory, []arg{intArg(e.n)}), true
		case IDPasswordAge:
			if e.n == -1 {
				continue
			}
			r.Value, r.Message, r.ServerSide = e.n, formatMessage(KeyGeneric, nil), true
		default:
			continue
		}
		rules = append(rules, r)
	}
	return rules
}
