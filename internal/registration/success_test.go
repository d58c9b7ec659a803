package registration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestRegisterRealmSettings registers on realms with each combination of
// the settings that change a registration, and checks the exact 201 body,
// the Location header and what was stored.
func TestRegisterRealmSettings(t *testing.T) {
	s := newServer(t, "", nil)
	s.ImportRealm(realm("emailname", `"registrationEmailAsUsername":true,`, nil))
	s.ImportRealm(realm("verify", `"verifyEmail":true,`, nil))
	s.ImportRealm(realm("dupmail", `"duplicateEmailsAllowed":true,"loginWithEmailAllowed":false,`, nil))
	s.ImportRealm(realm("policy", `"passwordPolicy":"length(12) and digits(2) and upperCase(1) and specialChars(1) and notUsername and notEmail",`, nil))
	s.ImportRealm(realm("all", `"registrationEmailAsUsername":true,"verifyEmail":true,"passwordPolicy":"length(10) and notEmail",`, nil))

	tests := []struct {
		name, realm string
		body        string
		// want is the 201 body without id and createdTimestamp.
		want string
	}{
		{"defaults, mixed-case username and email stored lower-case", "demo",
			body(map[string]any{"username": "JDoe", "email": "JDoe@Example.COM"}),
			`{"username":"jdoe","email":"jdoe@example.com","firstName":"John","lastName":"Doe","emailVerified":false,"enabled":true,"requiredActions":[]}`},
		{"surrounding spaces trimmed", "demo",
			body(map[string]any{"username": "  spaced ", "email": " spaced@example.com ", "firstName": " Ann ", "lastName": " Lee "}),
			`{"username":"spaced","email":"spaced@example.com","firstName":"Ann","lastName":"Lee","emailVerified":false,"enabled":true,"requiredActions":[]}`},
		{"email as username ignores a differing username", "emailname",
			body(map[string]any{"username": "someone-else", "email": "Mail@Example.com"}),
			`{"username":"mail@example.com","email":"mail@example.com","firstName":"John","lastName":"Doe","emailVerified":false,"enabled":true,"requiredActions":[]}`},
		{"email as username without a username", "emailname",
			body(map[string]any{"username": nil, "email": "nouser@example.com"}),
			`{"username":"nouser@example.com","email":"nouser@example.com","firstName":"John","lastName":"Doe","emailVerified":false,"enabled":true,"requiredActions":[]}`},
		{"verify email: VERIFY_EMAIL and no tokens even with login", "verify",
			body(map[string]any{"login": true, "client_id": "app"}),
			`{"username":"jdoe","email":"jdoe@example.com","firstName":"John","lastName":"Doe","emailVerified":false,"enabled":true,"requiredActions":["VERIFY_EMAIL"]}`},
		{"duplicate emails allowed: first", "dupmail",
			body(map[string]any{"username": "first", "email": "same@example.com"}),
			`{"username":"first","email":"same@example.com","firstName":"John","lastName":"Doe","emailVerified":false,"enabled":true,"requiredActions":[]}`},
		{"duplicate emails allowed: second, same email in another case", "dupmail",
			body(map[string]any{"username": "second", "email": "SAME@example.com"}),
			`{"username":"second","email":"same@example.com","firstName":"John","lastName":"Doe","emailVerified":false,"enabled":true,"requiredActions":[]}`},
		{"password policy met", "policy",
			body(map[string]any{"password": "Very-long-pw-42"}),
			`{"username":"jdoe","email":"jdoe@example.com","firstName":"John","lastName":"Doe","emailVerified":false,"enabled":true,"requiredActions":[]}`},
		{"email as username, verify email and a policy", "all",
			body(map[string]any{"username": "ignored", "email": "all@example.com", "password": "ten-chars-pw"}),
			`{"username":"all@example.com","email":"all@example.com","firstName":"John","lastName":"Doe","emailVerified":false,"enabled":true,"requiredActions":["VERIFY_EMAIL"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := postTo(t, s, tt.realm, tt.body)
			if resp.Status != http.StatusCreated {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			got := resp.json(t)
			id, _ := got["id"].(string)
			ts, _ := got["createdTimestamp"].(float64)
			delete(got, "id")
			delete(got, "createdTimestamp")
			b, _ := json.Marshal(got)
			wantJSON(t, response{Status: resp.Status, Body: b}, http.StatusCreated, tt.want)
			if _, ok := got["tokens"]; ok {
				t.Errorf("tokens in the body")
			}
			if want := s.URL + "/admin/realms/" + tt.realm + "/users/" + id; resp.Header.Get("Location") != want {
				t.Errorf("Location %q, want %q", resp.Header.Get("Location"), want)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
			}
			u := userIn(t, s, tt.realm, got["username"].(string))
			if u == nil {
				t.Fatal("user not stored")
			}
			if u.ID != id || u.CreatedAt.UnixMilli() != int64(ts) || u.Email != got["email"] ||
				!u.Enabled || u.EmailVerified || !slices.Equal(u.RequiredActions, toStrings(got["requiredActions"])) {
				t.Errorf("stored %+v, answered %s", u, resp.Body)
			}
		})
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestRegisterThenLogin checks "login": true: tokens only with a client
// allowing direct access grants, and they work; the password is stored so
// that the password grant works too.
func TestRegisterThenLogin(t *testing.T) {
	s := newServer(t, "", nil)
	tests := []struct {
		name, query string
		fields      map[string]any
		tokens      bool
	}{
		{"client in the query", "?client_id=app", map[string]any{"login": true}, true},
		{"client in the body", "", map[string]any{"login": true, "client_id": "app", "scope": "openid"}, true},
		{"no login asked", "?client_id=app", map[string]any{}, false},
		{"login false", "", map[string]any{"login": false, "client_id": "app"}, false},
		{"client without direct access grants", "", map[string]any{"login": true, "client_id": "web"}, false},
		{"no client", "", map[string]any{"login": true}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("login%d", i)
			tt.fields["username"], tt.fields["email"] = name, name+"@example.com"
			resp := do(t, http.MethodPost, regURL(s, "demo")+tt.query, strings.NewReader(body(tt.fields)),
				"Content-Type", "application/json")
			if resp.Status != http.StatusCreated {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			got := resp.json(t)
			tokens, ok := got["tokens"].(map[string]any)
			if ok != tt.tokens {
				t.Fatalf("tokens present %v, want %v: %s", ok, tt.tokens, resp.Body)
			}
			if tt.tokens {
				if tokens["token_type"] != "Bearer" || tokens["refresh_token"] == nil {
					t.Errorf("token response %v", tokens)
				}
				info := do(t, http.MethodGet, s.URL+"/realms/demo/protocol/openid-connect/userinfo", nil,
					"Authorization", "Bearer "+tokens["access_token"].(string))
				if info.Status != http.StatusOK {
					t.Fatalf("userinfo %d: %s", info.Status, info.Body)
				}
				if ui := info.json(t); ui["sub"] != got["id"] || ui["preferred_username"] != name {
					t.Errorf("userinfo %s", info.Body)
				}
			}
			// The password was stored: the password grant works with it.
			form := url.Values{"grant_type": {"password"}, "client_id": {"app"}, "username": {name}, "password": {"Secret-pw-1"}}
			tok := do(t, http.MethodPost, s.URL+"/realms/demo/protocol/openid-connect/token",
				strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
			if tok.Status != http.StatusOK {
				t.Errorf("password grant %d: %s", tok.Status, tok.Body)
			}
		})
	}
}

// TestPrivilegedFieldsIgnored sends everything an admin could set; only
// what a user may set is taken.
func TestPrivilegedFieldsIgnored(t *testing.T) {
	s := newServer(t, "", nil)
	s.ImportRealm(realm("unmanaged", `"roles":{"realm":[{"name":"admin"}]},"groups":[{"name":"x"}],`,
		map[string]string{"unmanagedAttributePolicy": "ENABLED"}))
	const privileged = `"emailVerified":true,"enabled":false,"requiredActions":[],
		"credentials":[{"type":"password","value":"other-pw","temporary":false}],
		"attributes":{"role":["admin"],"EMAIL_VERIFIED":["true"],"enabled":["false"],"LDAP_ID":["x"],
			"saml.persistent.name.id.for.sp":["x"],"email":["other@example.com"],"username":["root"]},"realmRoles":["admin"],"groups":["/x"],
		"clientRoles":{"realm-management":["manage-users"]},"federationLink":"x","serviceAccountClientId":"app",
		"id":"00000000-0000-0000-0000-000000000001","createdTimestamp":1,"totp":true,"notBefore":99`
	for _, realmName := range []string{"demo", "unmanaged"} {
		t.Run(realmName, func(t *testing.T) {
			resp := postTo(t, s, realmName, `{"username":"mallory","email":"mallory@example.com","firstName":"M","lastName":"X",
				"password":"Secret-pw-1",`+privileged+`}`)
			if resp.Status != http.StatusCreated {
				t.Fatalf("status %d: %s", resp.Status, resp.Body)
			}
			got := resp.json(t)
			if got["id"] == "00000000-0000-0000-0000-000000000001" || got["createdTimestamp"] == float64(1) ||
				got["emailVerified"] != false || got["enabled"] != true {
				t.Errorf("body %s", resp.Body)
			}
			u := userIn(t, s, realmName, "mallory")
			if u == nil {
				t.Fatal("not stored")
			}
			if u.ID == "00000000-0000-0000-0000-000000000001" || u.CreatedAt.UnixMilli() <= 1 || !u.Enabled ||
				u.EmailVerified || len(u.RequiredActions) != 0 || u.NotBefore != 0 || u.ServiceAccountClientID != "" {
				t.Errorf("stored %+v", u)
			}
			// Without a user profile that lets users set attributes they are
			// dropped; under unmanagedAttributePolicy=ENABLED Keycloak keeps
			// them as plain attributes, which grant nothing.
			wantAttrs := map[string][]string(nil)
			if realmName == "unmanaged" {
				wantAttrs = map[string][]string{"role": {"admin"}}
			}
			if len(u.Attributes) != len(wantAttrs) || !slices.Equal(u.Attributes["role"], wantAttrs["role"]) {
				t.Errorf("attributes stored: %v, want %v", u.Attributes, wantAttrs)
			}
			r := s.Realm(realmName)
			roles, err := s.Store.ListUserRoles(context.Background(), r.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(roles) != 1 || roles[0].Name != "default-roles-"+realmName {
				t.Errorf("roles %v", roles)
			}
			creds, err := s.Store.ListCredentials(context.Background(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(creds) != 1 {
				t.Fatalf("%d credentials", len(creds))
			}
			// The password is the body's password, not the credentials'.
			form := url.Values{"grant_type": {"password"}, "client_id": {"app"}, "username": {"mallory"}}
			for pw, want := range map[string]int{"Secret-pw-1": 200, "other-pw": 401} {
				form.Set("password", pw)
				tok := do(t, http.MethodPost, s.URL+"/realms/"+realmName+"/protocol/openid-connect/token",
					strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
				if tok.Status != want {
					t.Errorf("password %q: %d %s", pw, tok.Status, tok.Body)
				}
			}
		})
	}
}
