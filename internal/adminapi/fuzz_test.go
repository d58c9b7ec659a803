package adminapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

// FuzzAdminBodies: whatever JSON (or not JSON) an admin sends to the
// create and update endpoints of users, clients, roles, groups and the
// realm, the answer is never a 5xx and every 4xx has a JSON body.
func FuzzAdminBodies(f *testing.F) {
	s := testenv.NewServer(f)
	s.ImportRealm(`{"realm":"fz","enabled":true,"users":[{"username":"u1","enabled":true}],
		"clients":[{"clientId":"c1"}],"groups":[{"name":"g1"}],"roles":{"realm":[{"name":"r1"}]}}`)
	// The master admin token lives 60 s: fetch a fresh one every 30 s.
	var (
		mu      sync.Mutex
		tok     string
		fetched time.Time
	)
	adminToken := func(t *testing.T) string {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(fetched) > 30*time.Second {
			tok, fetched = token(t, s, "master", "admin-cli", testenv.AdminUser, testenv.AdminPassword), time.Now()
		}
		return tok
	}
	targets := []string{
		"POST /admin/realms/fz/users", "POST /admin/realms/fz/clients", "POST /admin/realms/fz/roles",
		"POST /admin/realms/fz/groups", "PUT /admin/realms/fz", "POST /admin/realms/fz/partialImport",
	}
	for i, b := range []string{
		`{"username":"a","email":"a@example.com","credentials":[{"type":"password","value":"x"}]}`,
		`{"clientId":"c2","redirectUris":["https://x/*"],"secret":"s"}`, `{"name":"r2","composite":true}`,
		`{"name":"g2","subGroups":[{"name":"g3"}]}`, `{"realm":"fz","accessTokenLifespan":-1}`,
		`{"users":[{"username":"b"}],"ifResourceExists":"OVERWRITE"}`,
		`null`, `[]`, `{"username":null}`, `{"username":1e999}`, `{"attributes":{"a":[null]}}`,
		`{"username":"\u0000"}`, `{`, `"x"`, strings.Repeat(`[`, 5000),
	} {
		f.Add(uint8(i), b)
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		target := targets[int(which)%len(targets)]
		method, path, _ := strings.Cut(target, " ")
		req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+adminToken(t))
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %q: %d %s", target, body, resp.StatusCode, raw)
		}
		if resp.StatusCode >= 400 && !json.Valid(raw) {
			t.Fatalf("%s %q: %d with a body that is not JSON: %q", target, body, resp.StatusCode, raw)
		}
	})
}
