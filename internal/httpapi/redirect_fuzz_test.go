package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/httpapi"
)

// FuzzRedirectAllowed: whatever the URI, an accepted one has no fragment
// and no user info, lands on a registered host, and matches a registered
// URI exactly or extends a wildcard one.
func FuzzRedirectAllowed(f *testing.F) {
	reg := []string{"https://app.test/cb", "https://app.test/spa/*", "/rel/*", "com.example.app:/oauth"}
	const root = "https://root.test"
	for _, s := range []string{
		"https://app.test/cb", "https://app.test/spa/x", "https://app.test.evil/spa/x",
		"https://root.test/rel/a", "https://app.test/spa/../../x", "https://app.test/spa/%2e%2e/x",
		"https://app.test/spa/x#f", "https://u@app.test/spa/x", "com.example.app:/oauth",
		"https://app.test/spa/\\evil.test", "https://app.test/spa/@evil.test", "//evil.test/spa/x",
	} {
		f.Add(s)
	}
	hosts := map[string]bool{"app.test": true, "root.test": true, "": true}
	f.Fuzz(func(t *testing.T, uri string) {
		if !httpapi.RedirectAllowed(uri, reg, root) {
			return
		}
		u, err := url.Parse(uri)
		if err != nil || u.Fragment != "" || u.User != nil || u.Scheme == "" {
			t.Fatalf("accepted %q: parse %v, fragment %q, user %v", uri, err, u.Fragment, u.User)
		}
		if !hosts[u.Hostname()] || u.Port() != "" {
			t.Fatalf("accepted %q on host %q port %q", uri, u.Hostname(), u.Port())
		}
		ok := false
		for _, r := range reg {
			if strings.HasPrefix(r, "/") {
				r = root + r
			}
			if p, wild := strings.CutSuffix(r, "*"); wild && strings.HasPrefix(uri, p) || uri == r {
				ok = true
			}
		}
		if !ok {
			t.Fatalf("accepted %q, which no registered URI matches", uri)
		}
	})
}
