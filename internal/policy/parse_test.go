package policy

import (
	"errors"
	"testing"
)

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, msg string }{
		{"foo", "Password policy not found"},
		{"length(8) and Length(8)", "Password policy not found"},
		{"length(8) and ", ""}, // trailing empty piece dropped by String.split
		{" and length(8)", "Password policy not found"},
		{"length(8) and  and digits", "Password policy not found"},
		{"length(x)", "Invalid config for length: Not a valid number"},
		{"length()", "Invalid config for length: Not a valid number"},
		{"length( 8)", "Invalid config for length: Not a valid number"},
		{"length(8.5)", "Invalid config for length: Not a valid number"},
		{"length(2147483648)", "Invalid config for length: Not a valid number"},
		{"maxLength(1e3)", "Invalid config for maxLength: Not a valid number"},
		{"digits(one)", "Invalid config for digits: Not a valid number"},
		{"lowerCase(-)", "Invalid config for lowerCase: Not a valid number"},
		{"upperCase(+)", "Invalid config for upperCase: Not a valid number"},
		{"specialChars(𝟘)", "Invalid config for specialChars: Not a valid number"},
		{"passwordHistory(x)", "Invalid config for passwordHistory: Not a valid number"},
		{"passwordAge(x)", "Invalid config for passwordAge: Not a valid number"},
		{"forceExpiredPasswordChange(x)", "Invalid config for forceExpiredPasswordChange: Not a valid number"},
		{"hashIterations(x)", "Invalid config for hashIterations: Not a valid number"},
		{"maxAuthAge(x)", "Invalid config for maxAuthAge: Not a valid number"},
		{"recoveryCodesWarningThreshold(x)", "Invalid config for recoveryCodesWarningThreshold: Not a valid number"},
		{"regexPattern", "Invalid config for regexPattern: Config required"},
		{"regexPattern()", "Invalid config for regexPattern: White space not acepted"},
		{"regexPattern(  )", "Invalid config for regexPattern: White space not acepted"},
		{"regexPattern([a-)", "Invalid config for regexPattern: Not a valid regular expression"},
		{"regexPattern(a)|(b)", "Invalid config for regexPattern: Not a valid regular expression"},
		{"regexPattern((?=a).*)", "Invalid config for regexPattern: Not a valid regular expression"},
		{"regexPattern((a)\\1)", "Invalid config for regexPattern: Not a valid regular expression"},
		{"regexPattern(a{2000})", "Invalid config for regexPattern: Not a valid regular expression"},
		{"length(", "Invalid password policy"},
		{"(", "Invalid password policy"},
		{"foo(", "Invalid password policy"},
		{"passwordBlacklist()", "Password blacklist name must not be empty!"},
		{"passwordBlacklist( )", "Password blacklist name must not be empty!"},
		{"passwordBlacklist(../x)", "../x must not contain slashes!"},
		{"passwordBlacklist(list.txt)", "Password blacklist list.txt not found!"},
		// the first error in the normalised order wins; an unknown id is
		// found before a later bad config
		{"foo and length(x)", "Password policy not found"},
		{"length(x) and foo", "Invalid config for length: Not a valid number"},
		// a repeated id keeps the last config: the bad one is overwritten
		{"length(x) and length(8)", ""},
		{"length(8) and length(x)", "Invalid config for length: Not a valid number"},
	}
	for _, c := range cases {
		_, err := Parse(c.in, Options{})
		if c.msg == "" {
			if err != nil {
				t.Errorf("Parse(%q): unexpected error %v", c.in, err)
			}
			continue
		}
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want *Error %q", c.in, err, c.msg)
			continue
		}
		if pe.Error() != c.msg {
			t.Errorf("Parse(%q) error = %q, want %q", c.in, pe.Error(), c.msg)
		}
	}
}

func TestParseNormalise(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"   \t\n", ""},
		{" and ", ""},
		{"length", "length"},
		{"length(8) and digits(1) and notUsername", "length(8) and digits(1) and notUsername"},
		{"  length (8)  and   digits", "length(8) and digits"},
		{"notUsername(undefined) and notEmail(undefined)", "notUsername(undefined) and notEmail(undefined)"},
		{"notUsername() and notEmail( )", "notUsername and notEmail"},
		{"length(8) and digits and length(10)", "length(10) and digits"},
		{"length(8)x", ""}, // config "8)" is not a number: error, checked below
		{"regexPattern( a b )", "regexPattern( a b )"},
		{"regexPattern((a|b)+)", "regexPattern((a|b)+)"},
		{"regexPattern(abc", "regexPattern(ab)"}, // Java drops the last character whatever it is
		{"length(+8)", "length(+8)"},
		{"length(٨)", "length(٨)"},
		{"hashAlgorithm(argon2) and hashIterations(5)", "hashAlgorithm(argon2) and hashIterations(5)"},
	}
	for _, c := range cases {
		p, err := Parse(c.in, Options{})
		if c.want == "" && c.in == "length(8)x" {
			if err == nil {
				t.Errorf("Parse(%q): want error", c.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := p.String(); got != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAccessors(t *testing.T) {
	empty, err := Parse("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if empty.HashAlgorithm() != "" || empty.HashIterations() != -1 || empty.HistoryCount() != 0 ||
		empty.AgeDays() != 0 || empty.ExpireDays() != 0 || empty.MaxAuthAge() != 0 || !empty.IsEmpty() {
		t.Errorf("empty policy accessors wrong")
	}
	p, err := Parse("hashAlgorithm(pbkdf2-sha512) and hashIterations(210000) and passwordHistory(5) and "+
		"passwordAge(90) and forceExpiredPasswordChange(30) and maxAuthAge(600)", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.HashAlgorithm() != "pbkdf2-sha512" || p.HashIterations() != 210000 || p.HistoryCount() != 5 ||
		p.AgeDays() != 90 || p.ExpireDays() != 30 || p.MaxAuthAge() != 600 {
		t.Errorf("accessors wrong: %q %d %d %d %d %d", p.HashAlgorithm(), p.HashIterations(), p.HistoryCount(),
			p.AgeDays(), p.ExpireDays(), p.MaxAuthAge())
	}
	bare, err := Parse("hashAlgorithm and hashIterations and passwordHistory and passwordAge and "+
		"forceExpiredPasswordChange and maxAuthAge and length(٣)", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bare.HashAlgorithm() != "" || bare.HashIterations() != -1 || bare.HistoryCount() != 3 ||
		bare.AgeDays() != 30 || bare.ExpireDays() != 365 || bare.MaxAuthAge() != DefaultMaxAuthAge {
		t.Errorf("bare defaults wrong")
	}
	if !bare.Has(IDLength) || bare.Has(IDDigits) {
		t.Errorf("Has wrong")
	}
}

func TestJavaParseInt(t *testing.T) {
	cases := []struct {
		in string
		n  int
		ok bool
	}{
		{"8", 8, true}, {"+8", 8, true}, {"-1", -1, true}, {"007", 7, true},
		{"٣", 3, true}, {"١٠", 10, true}, {"８", 8, true}, {"𝟘", 0, false},
		{"2147483647", 2147483647, true}, {"-2147483648", -2147483648, true},
		{"2147483648", 0, false}, {"", 0, false}, {"-", 0, false}, {" 8", 0, false},
		{"8 ", 0, false}, {"0x10", 0, false}, {"99999999999999999999999", 0, false},
	}
	for _, c := range cases {
		n, ok := javaParseInt(c.in)
		if n != c.n || ok != c.ok {
			t.Errorf("javaParseInt(%q) = %d,%v want %d,%v", c.in, n, ok, c.n, c.ok)
		}
	}
}

func TestGroupThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 8: "8", 999: "999", 1000: "1,000", 1234567: "1,234,567",
		-1: "-1", -1000: "-1,000", 2147483647: "2,147,483,647"} {
		if got := groupThousands(n); got != want {
			t.Errorf("groupThousands(%d) = %q want %q", n, got, want)
		}
	}
}
