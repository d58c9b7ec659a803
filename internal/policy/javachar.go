package policy

import (
	"strings"
	"unicode"
	"unicode/utf16"
)

// utf16Units returns the UTF-16 code units Java's String.toCharArray would
// hold for s. Invalid UTF-8 bytes become U+FFFD, as a Java decoder does.
func utf16Units(s string) []uint16 {
	return utf16.Encode([]rune(s))
}

// javaLength is String.length(): the number of UTF-16 code units.
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// The classifiers below take one UTF-16 code unit, as Java's
// Character.isXxx(char) does. A surrogate unit (U+D800..U+DFFF) belongs to the
// category Cs, so every classifier is false for it, in Java and in Go's tables.

// javaIsDigit is Character.isDigit(char): general category Nd.
func javaIsDigit(c uint16) bool { return unicode.IsDigit(rune(c)) }

// javaIsLowerCase is Character.isLowerCase(char): category Ll or the
// contributory property Other_Lowercase.
func javaIsLowerCase(c uint16) bool {
	r := rune(c)
	return unicode.Is(unicode.Ll, r) || unicode.Is(unicode.Other_Lowercase, r)
}

// javaIsUpperCase is Character.isUpperCase(char): category Lu or the
// contributory property Other_Uppercase.
func javaIsUpperCase(c uint16) bool {
	r := rune(c)
	return unicode.Is(unicode.Lu, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// javaIsLetterOrDigit is Character.isLetterOrDigit(char): categories Lu, Ll,
// Lt, Lm, Lo or Nd.
func javaIsLetterOrDigit(c uint16) bool {
	r := rune(c)
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// javaTrim is String.trim(): it removes every leading and trailing char whose
// code is at most U+0020 (spaces and ASCII control characters), nothing else.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// javaToLower approximates String.toLowerCase() in an English locale: the
// simple lower-case mapping of every code point plus the one unconditional
// full mapping, U+0130 (capital I with dot above) to "i\u0307". The
// context-dependent final sigma rule is not applied (see the docs).
func javaToLower(s string) string {
	if !strings.ContainsRune(s, '\u0130') {
		return strings.ToLower(s)
	}
	var b strings.Builder
	for _, r := range s {
		if r == '\u0130' {
			b.WriteString("i\u0307")
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// javaEqualsIgnoreCase is String.equalsIgnoreCase: equal UTF-16 lengths and,
// code point by code point, equal, or equal upper-case mappings, or equal
// lower-case mappings of the upper-case mappings.
func javaEqualsIgnoreCase(a, b string) bool {
	if javaLength(a) != javaLength(b) {
		return false
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		x, y := ra[i], rb[i]
		if x == y {
			continue
		}
		ux, uy := unicode.ToUpper(x), unicode.ToUpper(y)
		if ux == uy || unicode.ToLower(ux) == unicode.ToLower(uy) {
			continue
		}
		return false
	}
	return true
}

// javaDigitValue is Character.digit(char, 10): the value of a decimal digit
// (category Nd) or -1. Unicode allocates Nd characters in runs of ten that
// start at zero, so the value is the position in the run.
func javaDigitValue(c uint16) int {
	r := rune(c)
	if !unicode.IsDigit(r) {
		return -1
	}
	n := 0
	for r-rune(n)-1 >= 0 && unicode.IsDigit(r-rune(n)-1) {
		n++
	}
	return n % 10
}

// javaParseInt is Integer.parseInt(s, 10): an optional sign followed by at
// least one decimal digit of any script, no spaces, within the int32 range.
func javaParseInt(s string) (int, bool) {
	units := utf16Units(s)
	if len(units) == 0 {
		return 0, false
	}
	neg := false
	i := 0
	switch units[0] {
	case '-':
		neg = true
		i = 1
	case '+':
		i = 1
	}
	if i == len(units) {
		return 0, false
	}
	var v int64
	for ; i < len(units); i++ {
		d := javaDigitValue(units[i])
		if d < 0 {
			return 0, false
		}
		v = v*10 + int64(d)
		if v > 1<<31 {
			return 0, false
		}
	}
	if neg {
		v = -v
	}
	if v > 1<<31-1 || v < -(1<<31) {
		return 0, false
	}
	return int(v), true
}

// javaStringHashCode is String.hashCode(): s[0]*31^(n-1) + ... + s[n-1] over
// UTF-16 code units, in 32-bit two's-complement arithmetic.
func javaStringHashCode(s string) int32 {
	var h int32
	for _, u := range utf16Units(s) {
		h = 31*h + int32(u)
	}
	return h
}
