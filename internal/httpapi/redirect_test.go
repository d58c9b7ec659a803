package httpapi_test

import (
	"testing"

	"github.com/latchkey/latchkey/internal/httpapi"
)

func TestRedirectAllowed(t *testing.T) {
	reg := []string{"https://app.test/cb", "https://app.test/spa/*", "/rel/*", "com.example.app:/oauth"}
	cases := map[string]bool{
		"https://app.test/cb":              true,
		"https://app.test/cb?x=1":          false,
		"https://app.test/spa/done":        true,
		"https://app.test.evil.test/spa/x": false,
		"https://root.test/rel/page":       true,
		"https://user@app.test/spa/x":      false,
		"https://app.test/spa/x#frag":      false,
		"/spa/x":                           false,
		"com.example.app:/oauth":           true,
		"javascript:alert(1)//app.test/cb": false,
	}
	for uri, want := range cases {
		if got := httpapi.RedirectAllowed(uri, reg, "https://root.test"); got != want {
			t.Errorf("%s: %v, want %v", uri, got, want)
		}
	}
}
