package policy

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

var fuzzPolicySeeds = []string{
	"",
	"length(8) and digits(1) and notUsername",
	"length(8) and digits(1) and upperCase(1) and specialChars(1) and notUsername and passwordHistory(3)",
	"notUsername(undefined) and notEmail(undefined)",
	"regexPattern([a-z]+\\d) and maxLength(1000)",
	"regexPattern(abc",
	"length(",
	"length(x) and length(8)",
	" and length(٣) and ",
	"hashAlgorithm( ) and hashIterations and maxAuthAge(-5) and passwordAge(0)",
	"passwordBlacklist and notContainsUsername() and lowerCase(+2)",
	"regexPattern(😀) and length(8😀",
	"length and digits and lowerCase and upperCase and specialChars and notUsername and notContainsUsername and " +
		"notEmail and maxLength and hashIterations and maxAuthAge and passwordHistory and forceExpiredPasswordChange",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzPolicySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s, Options{})
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q) error %T, want *Error", s, err)
			}
			return
		}
		norm := p.String()
		q, err := Parse(norm, Options{})
		if err != nil {
			t.Fatalf("Parse(%q) ok but its String %q fails: %v", s, norm, err)
		}
		if q.String() != norm {
			t.Fatalf("String not stable: %q -> %q -> %q", s, norm, q.String())
		}
		if !samePolicy(p, q) {
			t.Fatalf("re-parse of %q (%q) differs", s, norm)
		}
		_ = p.Rules()
	})
}

// samePolicy compares two policies by their parsed configuration.
func samePolicy(a, b *Policy) bool {
	if len(a.entries) != len(b.entries) || !slices.Equal(a.order, b.order) {
		return false
	}
	for i := range a.entries {
		x, y := a.entries[i], b.entries[i]
		if x.id != y.id || x.n != y.n || x.s != y.s || (x.re == nil) != (y.re == nil) ||
			(x.re != nil && x.re.String() != y.re.String()) {
			return false
		}
	}
	return a.HashAlgorithm() == b.HashAlgorithm() && a.HashIterations() == b.HashIterations() &&
		a.MaxAuthAge() == b.MaxAuthAge()
}

func FuzzValidate(f *testing.F) {
	for i, s := range fuzzPolicySeeds {
		f.Add(s, "Abc1!xyz", "jdoe", "jdoe@example.com")
		f.Add(s, "😀𝟘٣É", "jdoe", "")
		f.Add(s, string([]byte{0xff, 'a', 0xc3}), "", "x@y")
		f.Add(s, "", "JDOE", "jdoe")
		_ = i
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, policy, password, username, email string) {
		p, err := Parse(policy, Options{})
		if err != nil {
			return
		}
		c := Context{Username: username, Email: email, Now: now,
			Reused: func(pw string, _ int, _ time.Time) (bool, error) { return pw == username, nil }}
		v1, err := p.Validate(password, c)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := p.Validate(password, c)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(v1, v2) {
			t.Fatalf("not deterministic: %+v vs %+v", v1, v2)
		}
		for _, v := range v1 {
			if v.Message == "" || v.Key == "" || v.Policy == "" {
				t.Fatalf("incomplete violation %+v", v)
			}
		}
		if len(v1) == 0 {
			// accepted once, accepted again (also by a re-parsed policy)
			q, err := Parse(p.String(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := q.Validate(password, c); len(v) != 0 {
				t.Fatalf("accepted password rejected by re-parsed policy: %+v", v)
			}
		}
	})
}
