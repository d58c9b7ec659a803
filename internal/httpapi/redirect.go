package httpapi

import (
	"net/url"
	"strings"
)

// RedirectAllowed reports whether uri is one of a client's redirect URIs,
// as Keycloak matches them (RedirectUtils): an exact match, or a prefix
// match when the registered URI ends in "*"; relative registered URIs are
// resolved against rootURL. The URI must be absolute and carry no
// fragment; user info in it is refused (a classic open-redirect trick).
func RedirectAllowed(uri string, registered []string, rootURL string) bool {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || u.Fragment != "" || u.User != nil {
		return false
	}
	for _, r := range registered {
		if strings.HasPrefix(r, "/") && rootURL != "" {
			r = strings.TrimRight(rootURL, "/") + r
		}
		if strings.HasSuffix(r, "*") {
			if strings.HasPrefix(uri, strings.TrimSuffix(r, "*")) {
				return true
			}
		} else if uri == r {
			return true
		}
	}
	return false
}
