package policy

import (
	"regexp"
	"strings"
	"time"
)

// Policy ids, as Keycloak's *PasswordPolicyProviderFactory.getId() return them.
const (
	IDLength                 = "length"
	IDMaxLength              = "maxLength"
	IDDigits                 = "digits"
	IDLowerCase              = "lowerCase"
	IDUpperCase              = "upperCase"
	IDSpecialChars           = "specialChars"
	IDNotUsername            = "notUsername"
	IDNotContainsUsername    = "notContainsUsername"
	IDNotEmail               = "notEmail"
	IDRegexPattern           = "regexPattern"
	IDPasswordHistory        = "passwordHistory"
	IDPasswordAge            = "passwordAge"
	IDForceExpiredChange     = "forceExpiredPasswordChange"
	IDHashAlgorithm          = "hashAlgorithm"
	IDHashIterations         = "hashIterations"
	IDPasswordBlacklist      = "passwordBlacklist"
	IDMaxAuthAge             = "maxAuthAge"
	IDRecoveryCodesThreshold = "recoveryCodesWarningThreshold"
)

// DefaultMaxAuthAge is Keycloak's Constants.KC_ACTION_MAX_AGE (seconds), used
// when maxAuthAge has no or a negative value.
const DefaultMaxAuthAge = 300

// Options configure Parse.
type Options struct {
	// BlacklistDir is where passwordBlacklist(<file>) files live (data dir +
	// "/password-blacklists"); "" disables that policy (parse error for it).
	BlacklistDir string
}

// Error is a policy-string error with Keycloak's exact message.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// Policy is a parsed password policy. It is immutable and safe for concurrent
// use. The zero value and nil are the empty policy.
type Policy struct {
	entries []entry // in policy-string order (Keycloak's LinkedHashMap)
	order   []int   // evaluation order (Keycloak's HashMap), indexes into entries
}

// entry is one policy id with its raw and parsed configuration.
type entry struct {
	id     string
	raw    string // config text between the parentheses
	hasRaw bool   // false when the id had no parentheses (Java null)
	n      int    // integer configuration
	s      string // string configuration (hashAlgorithm, blacklist name, regex source)
	re     *regexp.Regexp
	bl     *blacklist // nil for a bare passwordBlacklist (no check)
}

// Context is what rules need besides the password.
type Context struct {
	Username string
	Email    string
	// Reused reports whether password equals the current password or one of
	// the stored history entries. count >= 1 asks for the current password and
	// the count-1 most recent history entries (passwordHistory; newerThan is
	// zero); count < 0 asks for the current password and every history entry
	// created strictly after newerThan (passwordAge). The caller implements it
	// by verifying hashes. nil = no history to check.
	Reused func(password string, count int, newerThan time.Time) (bool, error)
	Now    time.Time // for passwordAge; zero = time.Now()
}

// Violation is one failing rule.
type Violation struct {
	Policy  string   // policy id, e.g. "length"
	Key     string   // Keycloak message key, e.g. "invalidPasswordMinLengthMessage"
	Message string   // English text, formatted as Keycloak formats it (1000 -> "1,000")
	Params  []string // the message parameters as Keycloak passes them (numbers unformatted)
}

// Rule is one published rule for clients.
type Rule struct {
	ID         string `json:"id"`
	Value      any    `json:"value,omitempty"` // number for counts, string for regex / file name, omitted for flags
	Message    string `json:"message"`
	ServerSide bool   `json:"serverSide,omitempty"` // true for rules a client cannot check (history, age, blacklist)
}

// String returns the normalised policy string, as Keycloak's
// PasswordPolicy.toString(): ids in first-occurrence order, the last
// configuration of a repeated id, "(config)" only when the configuration is
// not blank. The empty policy gives "".
func (p *Policy) String() string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for i, e := range p.entries {
		if i > 0 {
			b.WriteString(" and ")
		}
		b.WriteString(e.id)
		if e.hasRaw && javaTrim(e.raw) != "" {
			b.WriteString("(" + e.raw + ")")
		}
	}
	return b.String()
}

// IsEmpty reports whether the policy has no policies at all.
func (p *Policy) IsEmpty() bool { return p == nil || len(p.entries) == 0 }

// Has reports whether the policy contains id.
func (p *Policy) Has(id string) bool {
	_, ok := p.get(id)
	return ok
}

func (p *Policy) get(id string) (entry, bool) {
	if p == nil {
		return entry{}, false
	}
	for _, e := range p.entries {
		if e.id == id {
			return e, true
		}
	}
	return entry{}, false
}

// HashAlgorithm is the hashAlgorithm policy's provider id; "" when not set or
// blank (the server's default algorithm).
func (p *Policy) HashAlgorithm() string {
	e, _ := p.get(IDHashAlgorithm)
	return e.s
}

// HashIterations is the hashIterations policy's value; -1 when not set or
// bare (Keycloak's "provider default").
func (p *Policy) HashIterations() int {
	if e, ok := p.get(IDHashIterations); ok {
		return e.n
	}
	return -1
}

// HistoryCount is passwordHistory's N (bare: 3); 0 when not set. Keycloak
// treats -1 as disabled.
func (p *Policy) HistoryCount() int {
	e, _ := p.get(IDPasswordHistory)
	return e.n
}

// AgeDays is passwordAge's N in days (bare: 30); 0 when not set. Keycloak
// treats -1 as disabled.
func (p *Policy) AgeDays() int {
	e, _ := p.get(IDPasswordAge)
	return e.n
}

// ExpireDays is forceExpiredPasswordChange's N in days (bare: 365); 0 when
// not set.
func (p *Policy) ExpireDays() int {
	e, _ := p.get(IDForceExpiredChange)
	return e.n
}

// MaxAuthAge is maxAuthAge in seconds; 0 when not set. A bare or negative
// maxAuthAge gives DefaultMaxAuthAge, the value Keycloak then applies.
func (p *Policy) MaxAuthAge() int {
	e, ok := p.get(IDMaxAuthAge)
	if !ok {
		return 0
	}
	if e.n < 0 {
		return DefaultMaxAuthAge
	}
	return e.n
}

// RecoveryCodesWarningThreshold is the deprecated
// recoveryCodesWarningThreshold policy's value; 4 (Keycloak's default) when
// not set.
func (p *Policy) RecoveryCodesWarningThreshold() int {
	if e, ok := p.get(IDRecoveryCodesThreshold); ok {
		return e.n
	}
	return 4
}
