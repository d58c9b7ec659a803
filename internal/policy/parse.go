package policy

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// provider describes one policy id: how Keycloak's provider parses its
// configuration. cfg is nil when the id was written without parentheses.
type provider struct {
	parse func(e *entry, cfg *string, o Options) error
}

// intProvider parses like PasswordPolicyProvider.parseInteger(value, def).
func intProvider(def int) provider {
	return provider{parse: func(e *entry, cfg *string, _ Options) error {
		if cfg == nil {
			e.n = def
			return nil
		}
		n, ok := javaParseInt(*cfg)
		if !ok {
			return configError(e.id, "Not a valid number")
		}
		e.n = n
		return nil
	}}
}

// flagProvider ignores its configuration (parseConfig returns null), so the
// admin console's notUsername(undefined) parses.
var flagProvider = provider{parse: func(*entry, *string, Options) error { return nil }}

var providers = map[string]provider{
	IDLength:              intProvider(8),
	IDMaxLength:           intProvider(64),
	IDDigits:              intProvider(1),
	IDLowerCase:           intProvider(1),
	IDUpperCase:           intProvider(1),
	IDSpecialChars:        intProvider(1),
	IDNotUsername:         flagProvider,
	IDNotContainsUsername: flagProvider,
	IDNotEmail:            flagProvider,
	IDRegexPattern:        {parse: parseRegex},
	IDPasswordHistory:     intProvider(3),
	IDPasswordAge:         intProvider(30),
	IDForceExpiredChange:  intProvider(365),
	IDHashAlgorithm: {parse: func(e *entry, cfg *string, _ Options) error {
		if cfg != nil && javaTrim(*cfg) != "" {
			e.s = *cfg
		}
		return nil
	}},
	IDHashIterations:         intProvider(-1),
	IDPasswordBlacklist:      {parse: parseBlacklist},
	IDMaxAuthAge:             intProvider(-1),
	IDRecoveryCodesThreshold: intProvider(4),
}

// IDs returns every supported policy id, sorted.
func IDs() []string {
	ids := make([]string, 0, len(providers))
	for id := range providers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func configError(id, msg string) *Error {
	return &Error{Message: "Invalid config for " + id + ": " + msg}
}

func parseRegex(e *entry, cfg *string, _ Options) error {
	if cfg == nil {
		return configError(e.id, "Config required")
	}
	if javaTrim(*cfg) == "" {
		return configError(e.id, "White space not acepted") // sic, Keycloak's text
	}
	// Compile the pattern on its own first: wrapped, an unbalanced pattern
	// such as "a)|(b" would compile although Java rejects it.
	if _, err := regexp.Compile(*cfg); err != nil {
		return configError(e.id, "Not a valid regular expression")
	}
	re, err := regexp.Compile(`\A(?:` + *cfg + `)\z`)
	if err != nil {
		return configError(e.id, "Not a valid regular expression")
	}
	e.s, e.re = *cfg, re
	return nil
}

func parseBlacklist(e *entry, cfg *string, o Options) error {
	if cfg == nil {
		return nil // Keycloak: parseConfig(null) is null, the policy checks nothing
	}
	name := javaTrim(*cfg)
	if name == "" {
		return &Error{Message: "Password blacklist name must not be empty!"}
	}
	if strings.ContainsAny(name, `/\`) {
		return &Error{Message: name + " must not contain slashes!"}
	}
	if o.BlacklistDir == "" {
		return &Error{Message: "Password blacklist " + name + " not found!"}
	}
	bl, err := loadBlacklist(o.BlacklistDir, name)
	if err != nil {
		return err
	}
	e.s, e.bl = name, bl
	return nil
}

// Parse parses Keycloak's policy string ("length(8) and digits(1) and
// notUsername"). "" or whitespace = no policy. Errors are *Error with
// Keycloak's exact message.
//
// As in Keycloak's PasswordPolicy.Builder: the string is split on the literal
// " and " (trailing empty pieces dropped, as String.split does); each piece is
// trimmed; the id is the text before the first "(", trimmed; the
// configuration is the text between that "(" and the last character, not
// trimmed. A repeated id keeps its first position and its last configuration.
// Ids are then resolved and configurations parsed in that order, so the first
// error in the normalised string is reported.
func Parse(s string, o Options) (*Policy, error) {
	p := &Policy{}
	if javaTrim(s) == "" {
		return p, nil
	}
	pieces := strings.Split(s, " and ")
	for len(pieces) > 0 && pieces[len(pieces)-1] == "" {
		pieces = pieces[:len(pieces)-1]
	}
	pos := map[string]int{}
	for _, piece := range pieces {
		piece = javaTrim(piece)
		e := entry{}
		if i := strings.IndexByte(piece, '('); i < 0 {
			e.id = piece
		} else {
			e.id = javaTrim(piece[:i])
			// The last character is removed as a UTF-16 unit in Java; drop
			// the whole last rune here (a supplementary character would leave
			// half a surrogate in Java).
			_, size := utf8.DecodeLastRuneInString(piece)
			last := len(piece) - size
			if last <= i {
				// "(" is the last character: Java's substring(i+1, length-1)
				// throws StringIndexOutOfBoundsException (a 500 in Keycloak).
				return nil, &Error{Message: "Invalid password policy"}
			}
			e.raw, e.hasRaw = piece[i+1:last], true
		}
		if k, ok := pos[e.id]; ok {
			p.entries[k] = e
			continue
		}
		pos[e.id] = len(p.entries)
		p.entries = append(p.entries, e)
	}
	for k := range p.entries {
		e := &p.entries[k]
		prov, ok := providers[e.id]
		if !ok {
			return nil, &Error{Message: "Password policy not found"}
		}
		var cfg *string
		if e.hasRaw {
			raw := e.raw
			cfg = &raw
		}
		if err := prov.parse(e, cfg, o); err != nil {
			return nil, err
		}
	}
	keys := make([]string, len(p.entries))
	for i, e := range p.entries {
		keys[i] = e.id
	}
	p.order = javaHashMapOrder(keys)
	return p, nil
}
