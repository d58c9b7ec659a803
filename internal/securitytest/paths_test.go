package securitytest_test

import (
	"net/http"
	"strings"
	"testing"
)

// Realm names from the path never reach another realm: dot segments,
// encoded slashes, NULs and very long names answer 4xx (or the mux's
// redirect to the cleaned path), never 500 and never another realm's data.
func TestRealmNamesInPaths(t *testing.T) {
	s := startServer(t)
	tok := s.adminToken()
	long := strings.Repeat("a", 5000)
	paths := []string{
		"/realms/..%2fmaster", "/realms/%2e%2e/master", "/realms/..%2F..%2Fmaster",
		"/realms/master%2f..%2fother", "/realms/%00", "/realms/" + long,
		"/realms/..%2fmaster/protocol/openid-connect/certs",
		"/admin/realms/..%2fmaster/users", "/admin/realms/%2e%2e/users", "/admin/realms/" + long + "/users",
		"/admin/realms/master%2F/users",
	}
	for _, p := range paths {
		for _, bearer := range []string{"", tok} {
			r := s.call(http.MethodGet, p, bearer, nil)
			if r.Status >= 500 || r.Status == http.StatusOK {
				t.Errorf("GET %.80s (token %v): %d %.200s", p, bearer != "", r.Status, r.Body)
			}
		}
	}
}
