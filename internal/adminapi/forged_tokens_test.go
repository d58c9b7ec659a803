package adminapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// TestForgedAdminTokens: the admin API answers Keycloak's bare 401 to
// every token it did not issue as it stands: the forgeries the OIDC
// endpoints refuse (another key, alg none, altered payload, expired, the
// RSA key as an HMAC secret), and genuinely signed tokens of another
// type, issuer, realm, user or session, or cut short. The genuine token
// keeps working.
func TestForgedAdminTokens(t *testing.T) {
	s := testenv.NewServer(t)
	s.ImportRealm(`{"realm":"demo","enabled":true}`)
	genuine := masterToken(t, s)
	header, claims := testenv.JWTParts(t, genuine)
	alg := header["alg"].(string)
	forged := testenv.Forgeries(t, s, "master", genuine)
	resigned := map[string]map[string]any{
		"refresh type":                 {"typ": "Refresh"},
		"ID token type":                {"typ": "ID"},
		"no subject":                   {"sub": nil},
		"unknown subject":              {"sub": "00000000-0000-0000-0000-000000000000"},
		"foreign issuer host":          {"iss": "http://evil.example/realms/master"},
		"issuer of demo, master's key": {"iss": s.URL + "/realms/demo"},
		"unknown realm issuer":         {"iss": s.URL + "/realms/nope"},
		"dot-dot issuer":               {"iss": s.URL + "/realms/demo/../master"},
		"unknown session":              {"sid": "no-such-session"},
	}
	for name, changes := range resigned {
		forged[name] = testenv.Resign(t, s, "master", alg, claims, changes)
	}
	forged["issuer of demo, demo's key"] = testenv.Resign(t, s, "demo", alg, claims,
		map[string]any{"iss": s.URL + "/realms/demo"})
	forged["garbage"] = "not-a-token"
	forged["two parts"] = genuine[:strings.LastIndex(genuine, ".")]
	for name, tok := range forged {
		for _, path := range []string{"/admin/realms/master/users", "/admin/realms/demo/users", "/admin/realms"} {
			expect(t, name+" "+path, call(t, s, http.MethodGet, path, tok, nil), 401, body401)
		}
	}
	expect(t, "genuine", call(t, s, http.MethodGet, "/admin/realms/master/users", genuine, nil), 200, "")

	// After logout the session's access tokens are refused too.
	resp, err := http.PostForm(s.URL+"/realms/master/protocol/openid-connect/token", url.Values{
		"grant_type": {"password"}, "client_id": {"admin-cli"},
		"username": {testenv.AdminUser}, "password": {testenv.AdminPassword}})
	if err != nil {
		t.Fatal(err)
	}
	var pair struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Unmarshal(b, &pair) != nil || pair.RefreshToken == "" {
		t.Fatalf("login: %d %s", resp.StatusCode, b)
	}
	expect(t, "before logout", call(t, s, http.MethodGet, "/admin/realms/master/users", pair.AccessToken, nil), 200, "")
	resp, err = http.PostForm(s.URL+"/realms/master/protocol/openid-connect/logout",
		url.Values{"client_id": {"admin-cli"}, "refresh_token": {pair.RefreshToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	expect(t, "after logout", call(t, s, http.MethodGet, "/admin/realms/master/users", pair.AccessToken, nil), 401, body401)
}
