package adminapi_test

import (
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// shopRealm has service accounts holding each users role, people with
// admin roles, and a password policy.
const shopRealm = `{"realm":"shop","enabled":true,"passwordPolicy":"length(8) and notUsername",
  "attributes":{"unmanagedAttributePolicy":"ENABLED"},
  "clients":[
    {"clientId":"creator","publicClient":false,"secret":"creator-secret","serviceAccountsEnabled":true,"standardFlowEnabled":false},
    {"clientId":"viewer","publicClient":false,"secret":"viewer-secret","serviceAccountsEnabled":true,"standardFlowEnabled":false},
    {"clientId":"manager","publicClient":false,"secret":"manager-secret","serviceAccountsEnabled":true,"standardFlowEnabled":false},
    {"clientId":"querier","publicClient":false,"secret":"querier-secret","serviceAccountsEnabled":true,"standardFlowEnabled":false},
    {"clientId":"app","publicClient":true,"redirectUris":["https://app.test/*"],"directAccessGrantsEnabled":true},
    {"clientId":"off","publicClient":true,"enabled":false}],
  "roles":{"realm":[{"name":"shopper"},{"name":"vip"}],"client":{"app":[{"name":"reader"}]}},
  "users":[
    {"username":"service-account-creator","serviceAccountClientId":"creator","enabled":true,"clientRoles":{"realm-management":["create-users"]}},
    {"username":"service-account-viewer","serviceAccountClientId":"viewer","enabled":true,"clientRoles":{"realm-management":["view-users"]}},
    {"username":"service-account-manager","serviceAccountClientId":"manager","enabled":true,"clientRoles":{"realm-management":["manage-users"]}},
    {"username":"service-account-querier","serviceAccountClientId":"querier","enabled":true,"clientRoles":{"realm-management":["query-users"]}},
    {"username":"boss","enabled":true,"credentials":[{"type":"password","value":"boss-password"}],"clientRoles":{"realm-management":["realm-admin"]}},
    {"username":"mu","enabled":true,"credentials":[{"type":"password","value":"mu-password"}],"clientRoles":{"realm-management":["manage-users"]}}]}`

const otherRealm = `{"realm":"other","enabled":true,
  "users":[{"username":"oadmin","enabled":true,"credentials":[{"type":"password","value":"oadmin-password"}],"clientRoles":{"realm-management":["realm-admin"]}}]}`

type shop struct {
	s                                           *testenv.Server
	creator, viewer, manager, querier, boss, mu string
	master, other                               string
	base                                        string
}

func newShop(t *testing.T, s *testenv.Server) *shop {
	t.Helper()
	s.ImportRealm(shopRealm)
	s.ImportRealm(otherRealm)
	return &shop{s: s,
		creator: serviceToken(t, s, "shop", "creator", "creator-secret"),
		viewer:  serviceToken(t, s, "shop", "viewer", "viewer-secret"),
		manager: serviceToken(t, s, "shop", "manager", "manager-secret"),
		querier: serviceToken(t, s, "shop", "querier", "querier-secret"),
		boss:    token(t, s, "shop", "admin-cli", "boss", "boss-password"),
		mu:      token(t, s, "shop", "admin-cli", "mu", "mu-password"),
		master:  masterToken(t, s),
		other:   token(t, s, "other", "admin-cli", "oadmin", "oadmin-password"),
		base:    "/admin/realms/shop/users",
	}
}

// create makes a user and returns its id.
func (sh *shop) create(t *testing.T, tok string, body map[string]any) string {
	t.Helper()
	r := call(t, sh.s, "POST", sh.base, tok, body)
	if r.status != 201 {
		t.Fatalf("create %v: %d %s", body, r.status, r.body)
	}
	loc := r.header.Get("Location")
	if !strings.HasPrefix(loc, sh.s.URL+sh.base+"/") {
		t.Fatalf("Location %q", loc)
	}
	return loc[strings.LastIndex(loc, "/")+1:]
}

func TestUserCreateErrors(t *testing.T) {
	s := testenv.NewServer(t)
	sh := newShop(t, s)
	sh.create(t, sh.manager, map[string]any{"username": "taken", "email": "taken@example.com", "enabled": true})
	pw := func(v string) []map[string]any { return []map[string]any{{"type": "password", "value": v}} }
	tests := []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"missing username", map[string]any{"email": "x@example.com"}, 400, `{"errorMessage":"User name is missing"}`},
		{"blank username", map[string]any{"username": "   "}, 400, `{"errorMessage":"User name is missing"}`},
		{"same username", map[string]any{"username": "taken"}, 409, `{"errorMessage":"User exists with same username"}`},
		{"same username other case", map[string]any{"username": "TaKeN"}, 409, `{"errorMessage":"User exists with same username"}`},
		{"same username spaces", map[string]any{"username": " taken "}, 409, `{"errorMessage":"User exists with same username"}`},
		{"same email other case", map[string]any{"username": "fresh", "email": "TAKEN@example.com"}, 409, `{"errorMessage":"User exists with same email"}`},
		{"bad email", map[string]any{"username": "fresh", "email": "foo"}, 400, `{"field":"email","errorMessage":"error-invalid-email","params":["email","foo"]}`},
		{"short username", map[string]any{"username": "ab"}, 400, `{"field":"username","errorMessage":"error-invalid-length","params":["username",3,255]}`},
		{"long username", map[string]any{"username": strings.Repeat("a", 256)}, 400, `{"field":"username","errorMessage":"error-invalid-length","params":["username",3,255]}`},
		{"prohibited character", map[string]any{"username": "a b c"}, 400, `{"field":"username","errorMessage":"error-username-invalid-character","params":["username"]}`},
		{"two errors", map[string]any{"username": "a<", "email": "nope"}, 400, `{"errors":[
			{"field":"username","errorMessage":"error-invalid-length","params":["username",3,255]},
			{"field":"username","errorMessage":"error-username-invalid-character","params":["username"]},
			{"field":"email","errorMessage":"error-invalid-email","params":["email","nope"]}]}`},
		{"person name", map[string]any{"username": "fresh", "firstName": "<script>"}, 400, `{"field":"firstName","errorMessage":"error-person-name-invalid-character","params":["firstName"]}`},
		{"policy", map[string]any{"username": "fresh", "credentials": pw("short")}, 400, `{"error":"invalidPasswordMinLengthMessage","error_description":"Invalid password: minimum length 8."}`},
		{"policy not username", map[string]any{"username": "freshuser", "credentials": pw("freshuser")}, 400, `{"error":"invalidPasswordNotUsernameMessage","error_description":"Invalid password: must not be equal to the username."}`},
		{"duplicate before policy", map[string]any{"username": "taken", "credentials": pw("short")}, 409, `{"errorMessage":"User exists with same username"}`},
		// Keycloak answers 500 (a RuntimeException); latchkey a clear 400.
		{"unknown group path", map[string]any{"username": "fresh", "groups": []string{"/staff"}}, 400, `{"errorMessage":"Unable to find group specified by path: /staff"}`},
		{"bad json", `{"username":`, 400, `{"error":"invalid_request","error_description":"Cannot parse the JSON"}`},
	}
	for _, tc := range tests {
		expect(t, tc.name, call(t, s, "POST", sh.base, sh.manager, tc.body), tc.status, tc.want)
	}
	var n int
	call(t, s, "GET", sh.base+"/count?username=fresh", sh.manager, nil).json(t, &n)
	if n != 0 {
		t.Errorf("a refused create left %d users named fresh", n)
	}
}

// A NUL in a search parameter is refused: SQLite would end the string at
// it (turning a filter into a wildcard) and PostgreSQL rejects it.
func TestNULInQueryRefused(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		tok := masterToken(t, s)
		for _, q := range []string{"username=%00", "search=*%00*", "email=a%00b&exact=true", "q=k:%00"} {
			expect(t, q, call(t, s, "GET", "/admin/realms/master/users?"+q, tok, nil), 400,
				`{"error":"HTTP 400 Bad Request","error_description":"For more on this error consult the server log at the debug level."}`)
		}
		expect(t, "clients", call(t, s, "GET", "/admin/realms/master/clients?clientId=a%00&search=true", tok, nil), 400, "")
	})
}
