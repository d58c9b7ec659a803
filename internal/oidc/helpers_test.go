package oidc_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Secrets and passwords of the test realm.
const (
	appSecret = "app-s3cret"
	svcSecret = "svc-s3cret"
	alicePW   = "alice-pw-1"
)

// realmJSON is a Keycloak RealmRepresentation with a client and a user for
// every case the tests need. alg is the realm's defaultSignatureAlgorithm
// ("" for Keycloak's RS256 default); extra is spliced into the realm
// object (e.g. `"accessTokenLifespan":60,`).
func realmJSON(name, alg, extra string) string {
	algField := ""
	if alg != "" {
		algField = fmt.Sprintf(`"defaultSignatureAlgorithm":%q,`, alg)
	}
	return fmt.Sprintf(`{
  "realm": %q, "enabled": true, %s %s
  "roles": {"realm": [{"name": "user"}], "client": {"confidential": [{"name": "reader"}]}},
  "clients": [
    {"clientId": "app", "publicClient": true, "directAccessGrantsEnabled": true,
     "redirectUris": ["https://app.test/*"], "webOrigins": ["+"]},
    {"clientId": "confidential", "publicClient": false, "secret": %q, "directAccessGrantsEnabled": true,
     "redirectUris": ["https://conf.test/cb"], "webOrigins": ["https://conf.test"]},
    {"clientId": "svc", "publicClient": false, "secret": %q, "serviceAccountsEnabled": true},
    {"clientId": "svc-off", "publicClient": false, "secret": %q, "serviceAccountsEnabled": true},
    {"clientId": "svc-gone", "publicClient": false, "secret": %q, "serviceAccountsEnabled": true},
    {"clientId": "nosa", "publicClient": false, "secret": %q},
    {"clientId": "pub-sa", "publicClient": true, "serviceAccountsEnabled": true},
    {"clientId": "bearer", "publicClient": false, "secret": %q, "bearerOnly": true},
    {"clientId": "nodirect", "publicClient": false, "secret": %q, "directAccessGrantsEnabled": false},
    {"clientId": "consent", "publicClient": false, "secret": %q, "directAccessGrantsEnabled": true, "consentRequired": true},
    {"clientId": "off", "publicClient": false, "secret": %q, "enabled": false, "directAccessGrantsEnabled": true},
    {"clientId": "jwt", "publicClient": false, "secret": %q, "clientAuthenticatorType": "client-jwt", "directAccessGrantsEnabled": true}
  ],
  "users": [
    {"username": "alice", "enabled": true, "email": "alice@example.com", "emailVerified": true,
     "firstName": "Alice", "lastName": "Liddell", "realmRoles": ["user"],
     "clientRoles": {"confidential": ["reader"]},
     "credentials": [{"type": "password", "value": %q}]},
    {"username": "bob", "enabled": false, "email": "bob@example.com",
     "credentials": [{"type": "password", "value": "bob-pw-1"}]},
    {"username": "carol", "enabled": true, "requiredActions": ["UPDATE_PASSWORD"],
     "credentials": [{"type": "password", "value": "carol-pw-1"}]},
    {"username": "dave", "enabled": true,
     "credentials": [{"type": "password", "value": "dave-pw-1"}]},
    {"username": "service-account-svc-off", "enabled": false, "serviceAccountClientId": "svc-off"}
  ]
}`, name, algField, extra, appSecret, svcSecret, svcSecret, svcSecret, svcSecret, svcSecret, svcSecret,
		svcSecret, svcSecret, svcSecret, alicePW)
}

// newRealm starts a server with the test realm "demo".
func newRealm(t testing.TB, alg, extra string) *testenv.Server {
	t.Helper()
	s := testenv.NewServer(t)
	s.ImportRealm(realmJSON("demo", alg, extra))
	return s
}

// oidcURL is the URL of an OpenID Connect endpoint of realm.
func oidcURL(s *testenv.Server, realm, endpoint string) string {
	return s.URL + "/realms/" + realm + "/protocol/openid-connect/" + endpoint
}

// response is a decoded HTTP answer.
type response struct {
	Status int
	Header http.Header
	Raw    []byte
	JSON   map[string]any
}

func (r response) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

// do sends req and decodes a JSON body when there is one.
func do(t testing.TB, req *http.Request) response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out.JSON); err != nil {
			t.Fatalf("%s %s: body %q: %v", req.Method, req.URL, raw, err)
		}
	}
	return out
}

// postForm posts form to u with optional extra headers (key, value pairs).
func postForm(t testing.TB, u string, form url.Values, headers ...string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, req)
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// login runs the password grant and fails the test unless it succeeds.
func login(t testing.TB, s *testenv.Server, realm string, kv ...string) response {
	t.Helper()
	r := postForm(t, oidcURL(s, realm, "token"), form(append([]string{"grant_type", "password"}, kv...)...))
	if r.Status != http.StatusOK {
		t.Fatalf("password grant: %d %s", r.Status, r.Raw)
	}
	return r
}

// aliceLogin logs alice in with the confidential client and scope openid.
func aliceLogin(t testing.TB, s *testenv.Server) response {
	t.Helper()
	return login(t, s, "demo", "client_id", "confidential", "client_secret", appSecret,
		"username", "alice", "password", alicePW, "scope", "openid")
}

// refresh runs the refresh grant for client (secret may be empty).
func refresh(t testing.TB, s *testenv.Server, realm, rt string, client ...string) response {
	t.Helper()
	f := form("grant_type", "refresh_token", "refresh_token", rt)
	if len(client) > 0 {
		f.Set("client_id", client[0])
	}
	if len(client) > 1 {
		f.Set("client_secret", client[1])
	}
	return postForm(t, oidcURL(s, realm, "token"), f)
}

// wantOAuthError asserts an OAuth error answer.
func wantOAuthError(t testing.TB, r response, status int, code, desc string) {
	t.Helper()
	if r.Status != status || r.str("error") != code || r.str("error_description") != desc {
		t.Errorf("got %d %s, want %d {error:%q, error_description:%q}", r.Status, r.Raw, status, code, desc)
	}
	if _, ok := r.JSON["error_description"]; desc == "" && ok {
		t.Errorf("error_description present, want absent: %s", r.Raw)
	}
}

func ctx() context.Context { return context.Background() }
