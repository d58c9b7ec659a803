package securitytest_test

import (
	"io"
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
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	long := strings.Repeat("a", 5000)
	paths := []string{
		"/realms/..%2fmaster", "/realms/%2e%2e/master", "/realms/..%2F..%2Fmaster",
		"/realms/master%2f..%2fother", "/realms/%00", "/realms/" + long,
		"/realms/..%2fmaster/protocol/openid-connect/certs",
		"/admin/realms/..%2fmaster/users", "/admin/realms/%2e%2e/users", "/admin/realms/" + long + "/users",
		"/admin/realms/master%2F/users",
	}
	for _, p := range paths {
		for _, withToken := range []bool{false, true} {
			req, err := http.NewRequest(http.MethodGet, s.URL+p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if withToken {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 || resp.StatusCode == http.StatusOK {
				t.Errorf("GET %.80s (token %v): %d %.200s", p, withToken, resp.StatusCode, body)
			}
		}
	}
}
