package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, s string, o Options) *Policy {
	t.Helper()
	p, err := Parse(s, o)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return p
}

// first returns "key|message" of the first violation, or "" when none.
func first(t *testing.T, p *Policy, pw string, c Context) string {
	t.Helper()
	vs, err := p.Validate(pw, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		return ""
	}
	return vs[0].Key + "|" + vs[0].Message
}

func TestValidateSinglePolicies(t *testing.T) {
	const (
		minLen8   = "invalidPasswordMinLengthMessage|Invalid password: minimum length 8."
		digit1    = "invalidPasswordMinDigitsMessage|Invalid password: must contain at least 1 numerical digits."
		lower1    = "invalidPasswordMinLowerCaseCharsMessage|Invalid password: must contain at least 1 lower case characters."
		upper1    = "invalidPasswordMinUpperCaseCharsMessage|Invalid password: must contain at least 1 upper case characters."
		special1  = "invalidPasswordMinSpecialCharsMessage|Invalid password: must contain at least 1 special characters."
		special2  = "invalidPasswordMinSpecialCharsMessage|Invalid password: must contain at least 2 special characters."
		special3  = "invalidPasswordMinSpecialCharsMessage|Invalid password: must contain at least 3 special characters."
		notUser   = "invalidPasswordNotUsernameMessage|Invalid password: must not be equal to the username."
		notCont   = "invalidPasswordNotContainsUsernameMessage|Invalid password: Can not contain the username."
		notEmail  = "invalidPasswordNotEmailMessage|Invalid password: must not be equal to the email."
		regexFail = "invalidPasswordRegexPatternMessage|Invalid password: fails to match regex pattern(s)."
	)
	user := Context{Username: "jdoe", Email: "jdoe@example.com"}
	cases := []struct {
		policy, pw string
		c          Context
		want       string
	}{
		{"length", "1234567", user, minLen8},
		{"length", "12345678", user, ""},
		{"length(4)", "123", user, "invalidPasswordMinLengthMessage|Invalid password: minimum length 4."},
		{"length(1000)", "x", user, "invalidPasswordMinLengthMessage|Invalid password: minimum length 1,000."},
		{"length(2)", "😀", user, ""}, // one emoji is 2 UTF-16 units
		{"length(3)", "😀", user, "invalidPasswordMinLengthMessage|Invalid password: minimum length 3."},
		{"length(3)", "a😀", user, ""}, // 3 units
		{"length(4)", "a😀", user, "invalidPasswordMinLengthMessage|Invalid password: minimum length 4."}, // 3 units < 4
		{"length(2)", "é", user, "invalidPasswordMinLengthMessage|Invalid password: minimum length 2."},  // 1 unit (é precomposed)
		{"maxLength", strings.Repeat("a", 64), user, ""},
		{"maxLength", strings.Repeat("a", 65), user, "invalidPasswordMaxLengthMessage|Invalid password: maximum length 64."},
		{"maxLength(1000)", strings.Repeat("a", 1001), user, "invalidPasswordMaxLengthMessage|Invalid password: maximum length 1,000."},
		{"maxLength(3)", "ab😀", user, "invalidPasswordMaxLengthMessage|Invalid password: maximum length 3."},
		{"digits", "abc", user, digit1},
		{"digits", "abc1", user, ""},
		{"digits", "abc٣", user, ""},      // ARABIC-INDIC DIGIT THREE is Nd
		{"digits", "abc８", user, ""},      // FULLWIDTH DIGIT EIGHT
		{"digits", "abc𝟘", user, digit1},  // supplementary Nd: two surrogate chars, neither a digit
		{"digits", "abc½Ⅳ", user, digit1}, // No and Nl are not digits
		{"digits(2)", "a1b2", user, ""},
		{"lowerCase", "ABC", user, lower1},
		{"lowerCase", "ABCé", user, ""},
		{"lowerCase", "ABCª", user, ""},     // Other_Lowercase
		{"lowerCase", "ABCⅰ", user, ""},     // SMALL ROMAN NUMERAL ONE: Other_Lowercase
		{"lowerCase", "ABC𝐚", user, lower1}, // supplementary lower-case letter: surrogates
		{"lowerCase", "ABCǅ", user, lower1}, // title case is neither
		{"upperCase", "abc", user, upper1},
		{"upperCase", "abcÉ", user, ""},
		{"upperCase", "abcⅣ", user, ""}, // ROMAN NUMERAL FOUR: Other_Uppercase
		{"upperCase", "abcⒶ", user, ""}, // CIRCLED LATIN CAPITAL LETTER A: Other_Uppercase
		{"upperCase", "abc𝐀", user, upper1},
		{"specialChars", "abc123", user, special1},
		{"specialChars", "abc 123", user, ""}, // a space is special
		{"specialChars", "abcé٣", user, special1},
		{"specialChars(2)", "abc😀", user, ""}, // one emoji = two surrogate chars = two specials
		{"specialChars(3)", "abc😀", user, special3},
		{"specialChars(2)", "abc𝟘", user, ""}, // a supplementary digit counts as two specials
		{"specialChars(2)", "a!", user, special2},
		{"notUsername", "jdoe", user, notUser},
		{"notUsername", "JDoe", user, notUser}, // equalsIgnoreCase since Keycloak 26.1.3
		{"notUsername", "jdoe1", user, ""},
		{"notUsername", "jdoe", Context{}, ""},
		{"notUsername(undefined)", "jdoe", user, notUser},
		{"notContainsUsername", "xxJDOExx", user, notCont},
		{"notContainsUsername", "jdo", user, ""},
		{"notContainsUsername", "anything", Context{}, ""},
		{"notEmail", "JDoe@Example.com", user, notEmail},
		{"notEmail", "jdoe@example.co", user, ""},
		{"notEmail", "jdoe@example.com", Context{Username: "jdoe"}, ""},
		{"regexPattern([a-z]+)", "abc", user, ""},
		{"regexPattern([a-z]+)", "abc1", user, regexFail}, // full match, not find
		{"regexPattern([a-z]+)", "1abc", user, regexFail},
		{"regexPattern(a|ab)", "ab", user, ""}, // alternation inside the anchors
		{"regexPattern(abc)", "abc\n", user, regexFail},
		{"regexPattern(.*\\d.*)", "ab1c", user, ""},
	}
	for _, c := range cases {
		p := mustParse(t, c.policy, Options{})
		if got := first(t, p, c.pw, c.c); got != c.want {
			t.Errorf("%s with %q: got %q, want %q", c.policy, c.pw, got, c.want)
		}
	}
}

func TestRegexParams(t *testing.T) {
	p := mustParse(t, "regexPattern([a-z]+)", Options{})
	vs, _ := p.Validate("1", Context{})
	if len(vs) != 1 || !reflect.DeepEqual(vs[0].Params, []string{"[a-z]+"}) || vs[0].Policy != IDRegexPattern {
		t.Fatalf("got %+v", vs)
	}
	p = mustParse(t, "maxLength(1000)", Options{})
	vs, _ = p.Validate(strings.Repeat("a", 1001), Context{})
	if len(vs) != 1 || !reflect.DeepEqual(vs[0].Params, []string{"1000"}) {
		t.Fatalf("got %+v", vs)
	}
}

func TestWorkedExample(t *testing.T) {
	p := mustParse(t, "length(8) and digits(1) and upperCase(1) and specialChars(1)", Options{})
	vs, err := p.Validate("abc", Context{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, v := range vs {
		keys = append(keys, v.Policy)
	}
	// buckets: specialChars 4, upperCase 6, length 8, digits 10
	want := []string{"specialChars", "upperCase", "length", "digits"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("order %v, want %v", keys, want)
	}
	if vs[0].Key != "invalidPasswordMinSpecialCharsMessage" {
		t.Fatalf("first = %s", vs[0].Key)
	}
}

func TestJavaHashCode(t *testing.T) {
	// values of "...".hashCode() computed by the JVM
	for s, want := range map[string]int32{"": 0, "a": 97, "hello": 99162322, "length": -1106363674,
		"Aa": 2112, "BB": 2112, "polygenelubricants": -2147483648} {
		if got := javaStringHashCode(s); got != want {
			t.Errorf("hashCode(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestEvaluationOrderReference(t *testing.T) {
	// The bucket list in reference section 3.1 for a 16-slot table.
	buckets := map[string]int{
		"notContainsUsername": 0, "forceExpiredPasswordChange": 2, "specialChars": 4, "hashIterations": 4,
		"recoveryCodesWarningThreshold": 4, "upperCase": 6, "passwordHistory": 6, "lowerCase": 7,
		"passwordBlacklist": 7, "length": 8, "regexPattern": 8, "digits": 10, "notUsername": 10,
		"maxAuthAge": 12, "maxLength": 14, "hashAlgorithm": 14, "notEmail": 15, "passwordAge": 15,
	}
	for id, b := range buckets {
		if got := javaHashMapBucket(id, 16); got != b {
			t.Errorf("bucket(%s) = %d, want %d", id, got, b)
		}
	}
	if len(buckets) != len(providers) {
		t.Errorf("reference lists %d ids, providers has %d", len(buckets), len(providers))
	}
	// Same bucket: insertion (policy-string) order decides.
	for _, c := range []struct {
		policy string
		want   []int // entry indexes in evaluation order
	}{
		{"regexPattern(.*) and length(8)", []int{0, 1}},
		{"length(8) and regexPattern(.*)", []int{0, 1}},
		{"notEmail and notContainsUsername and digits", []int{1, 2, 0}},
	} {
		p := mustParse(t, c.policy, Options{})
		if !reflect.DeepEqual(p.order, c.want) {
			t.Errorf("%s: order %v, want %v", c.policy, p.order, c.want)
		}
	}
}

func TestEvaluationOrderResize(t *testing.T) {
	if javaHashMapCapacity(12) != 16 || javaHashMapCapacity(13) != 32 || javaHashMapCapacity(24) != 32 ||
		javaHashMapCapacity(25) != 64 {
		t.Fatal("capacity thresholds wrong")
	}
	// 13 policies: the table is 32 slots, and e.g. specialChars (hash bucket
	// 20 of 32) moves after hashIterations (4) and maxAuthAge (28) after
	// notEmail (15).
	s := "length and digits and lowerCase and upperCase and specialChars and notUsername and " +
		"notContainsUsername and notEmail and maxLength and hashIterations and maxAuthAge and " +
		"passwordHistory and forceExpiredPasswordChange"
	p := mustParse(t, s, Options{})
	var got []string
	for _, i := range p.order {
		got = append(got, p.entries[i].id)
	}
	want := []string{"forceExpiredPasswordChange", "hashIterations", "passwordHistory", "length",
		"notUsername", "notEmail", "notContainsUsername", "specialChars", "upperCase", "lowerCase",
		"digits", "maxAuthAge", "maxLength"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order\n got %v\nwant %v", got, want)
	}
	// 12 policies stay in 16 buckets.
	p = mustParse(t, strings.TrimSuffix(s, " and forceExpiredPasswordChange"), Options{})
	if id := p.entries[p.order[0]].id; id != "notContainsUsername" {
		t.Fatalf("12 policies: first %s", id)
	}
}

func TestHistoryAndAge(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	type call struct {
		count int
		newer time.Time
	}
	var calls []call
	reused := func(pw string, count int, newer time.Time) (bool, error) {
		calls = append(calls, call{count, newer})
		return pw == "old", nil
	}
	c := Context{Reused: reused, Now: now}

	p := mustParse(t, "passwordHistory(3)", Options{})
	if got := first(t, p, "old", c); got != "invalidPasswordHistoryMessage|Invalid password: must not be equal to any of last 3 passwords." {
		t.Fatalf("history: %q", got)
	}
	if calls[0] != (call{3, time.Time{}}) {
		t.Fatalf("history call %+v", calls[0])
	}
	if got := first(t, p, "new", c); got != "" {
		t.Fatalf("history new: %q", got)
	}
	if got := first(t, p, "old", Context{}); got != "" {
		t.Fatalf("history without callback: %q", got)
	}

	calls = nil
	p = mustParse(t, "passwordAge(30)", Options{})
	if got := first(t, p, "old", c); got != "invalidPasswordGenericMessage|Invalid password: new password does not match password policies." {
		t.Fatalf("age: %q", got)
	}
	if want := (call{-1, now.AddDate(0, 0, -30)}); calls[0] != want {
		t.Fatalf("age call %+v, want %+v", calls[0], want)
	}
	calls = nil
	mustParse(t, "passwordAge(0) and passwordHistory(0)", Options{}).Validate("x", c)
	if len(calls) != 2 || calls[0].count != 1 || calls[1].count != 1 {
		t.Fatalf("N=0 calls %+v", calls)
	}
	calls = nil
	mustParse(t, "passwordAge(-1) and passwordHistory(-1)", Options{}).Validate("old", c)
	if len(calls) != 0 {
		t.Fatalf("disabled policies called back: %+v", calls)
	}

	boom := errors.New("boom")
	_, err := mustParse(t, "passwordHistory", Options{}).Validate("x", Context{
		Reused: func(string, int, time.Time) (bool, error) { return false, boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestBlacklist(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "list.txt"), []byte("Password\r\nletmein\rQWERTY\n\nlast"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := Options{BlacklistDir: dir}
	if _, err := Parse("passwordBlacklist(nope.txt)", o); err == nil || err.Error() != "Password blacklist nope.txt not found!" {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Parse("passwordBlacklist(list.txt)", Options{}); err == nil {
		t.Fatal("blacklist without a directory must fail")
	}
	p := mustParse(t, "passwordBlacklist( list.txt )", o)
	const bad = "invalidPasswordBlacklistedMessage|Invalid password: password is blacklisted."
	for pw, want := range map[string]string{"password": bad, "PASSWORD": bad, "LetMeIn": bad, "qwerty": bad,
		"last": bad, "": bad, "secret": "", "password1": ""} {
		if got := first(t, p, pw, Context{}); got != want {
			t.Errorf("blacklist %q: %q, want %q", pw, got, want)
		}
	}
	// bare passwordBlacklist checks nothing, as in Keycloak
	if got := first(t, mustParse(t, "passwordBlacklist", o), "password", Context{}); got != "" {
		t.Errorf("bare blacklist: %q", got)
	}
	// a changed file is read again
	later := time.Now().Add(time.Hour)
	if err := os.WriteFile(filepath.Join(dir, "list.txt"), []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(dir, "list.txt"), later, later)
	p = mustParse(t, "passwordBlacklist(list.txt)", o)
	if first(t, p, "secret", Context{}) != bad || first(t, p, "password", Context{}) != "" {
		t.Errorf("reloaded blacklist wrong")
	}
}

func TestRules(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "top.txt"), []byte("password\n"), 0o600)
	p := mustParse(t, "hashAlgorithm(argon2) and maxLength(1000) and length(0) and notUsername(undefined) and "+
		"regexPattern([a-z]+) and passwordHistory(3) and passwordBlacklist(top.txt) and maxAuthAge(60) and "+
		"passwordAge(-1)", Options{BlacklistDir: dir})
	b, err := json.Marshal(p.Rules())
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"id":"maxLength","value":1000,"message":"Invalid password: maximum length 1,000."},` +
		`{"id":"length","value":0,"message":"Invalid password: minimum length 0."},` +
		`{"id":"notUsername","message":"Invalid password: must not be equal to the username."},` +
		`{"id":"regexPattern","value":"[a-z]+","message":"Invalid password: fails to match regex pattern(s)."},` +
		`{"id":"passwordHistory","value":3,"message":"Invalid password: must not be equal to any of last 3 passwords.","serverSide":true},` +
		`{"id":"passwordBlacklist","value":"top.txt","message":"Invalid password: password is blacklisted.","serverSide":true}]`
	if string(b) != want {
		t.Fatalf("rules\n got %s\nwant %s", b, want)
	}
	if r := mustParse(t, "", Options{}).Rules(); r == nil || len(r) != 0 {
		t.Fatalf("empty rules %v", r)
	}
}

func TestNilPolicy(t *testing.T) {
	var p *Policy
	if vs, err := p.Validate("x", Context{}); vs != nil || err != nil || p.String() != "" || p.HashIterations() != -1 {
		t.Fatal("nil policy")
	}
}
