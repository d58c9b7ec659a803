package oidc_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// placeholders replace values that change from run to run, by claim name.
var placeholders = map[string]string{
	"exp": "<unix time>", "iat": "<unix time>", "auth_time": "<unix time>",
	"kid": "<kid>", "at_hash": "<hash>",
	"access_token": "<jwt>", "refresh_token": "<jwt>", "id_token": "<jwt>",
}

// normalise turns a decoded JSON document into its stable form: dynamic
// values become placeholders, the server's base URL becomes {base}, and
// UUIDs become <uuid>; names, types and static values stay.
func normalise(v any, base string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			if p, ok := placeholders[k]; ok && val != nil {
				out[k] = p
				continue
			}
			out[k] = normalise(val, base)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalise(e, base)
		}
		return out
	case string:
		return uuidRE.ReplaceAllString(strings.ReplaceAll(x, base, "{base}"), "<uuid>")
	}
	return v
}

// golden compares v (normalised) with testdata/name.golden.json, or
// rewrites the file under -update.
func golden(t *testing.T, name string, v any, base string) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(normalise(v, base)); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// jwtDoc is a token's header and claims, for a golden file.
func jwtDoc(t *testing.T, token string) map[string]any {
	h, c := testenv.JWTParts(t, token)
	return map[string]any{"header": h, "claims": c}
}

// TestGolden pins the discovery document, the token endpoint's response
// and the claim set of every token type.
func TestGolden(t *testing.T) {
	s := newRealm(t, "", "")
	base := s.URL

	req, _ := http.NewRequest(http.MethodGet, s.URL+"/realms/demo/.well-known/openid-configuration", nil)
	disc := do(t, req)
	if disc.Status != http.StatusOK {
		t.Fatalf("discovery: %d %s", disc.Status, disc.Raw)
	}
	golden(t, "discovery", disc.JSON, base)
	req, _ = http.NewRequest(http.MethodGet, s.URL+"/realms/demo/.well-known/oauth-authorization-server", nil)
	if as := do(t, req); !bytes.Equal(as.Raw, disc.Raw) {
		t.Errorf("oauth-authorization-server differs from openid-configuration:\n%s", as.Raw)
	}

	r := aliceLogin(t, s)
	golden(t, "token-response-password", r.JSON, base)
	// Clients in the wild read the body as Keycloak (Jackson) orders it.
	want := []string{"access_token", "expires_in", "refresh_expires_in", "refresh_token", "token_type",
		"id_token", "not-before-policy", "session_state", "scope"}
	if got := keyOrder(t, r.Raw); !slices.Equal(got, want) {
		t.Errorf("token response fields %v, want %v", got, want)
	}
	golden(t, "access-token-password", jwtDoc(t, r.str("access_token")), base)
	golden(t, "id-token", jwtDoc(t, r.str("id_token")), base)
	golden(t, "refresh-token", jwtDoc(t, r.str("refresh_token")), base)

	refreshed := refresh(t, s, "demo", r.str("refresh_token"), "confidential", appSecret)
	golden(t, "token-response-refresh", refreshed.JSON, base)

	cc := postForm(t, oidcURL(s, "demo", "token"), form("grant_type", "client_credentials",
		"client_id", "svc", "client_secret", svcSecret))
	golden(t, "token-response-client-credentials", cc.JSON, base)
	golden(t, "access-token-service-account", jwtDoc(t, cc.str("access_token")), base)

	golden(t, "userinfo", userinfoGET(t, s, "demo", r.str("access_token")).JSON, base)
	golden(t, "introspection", introspect(t, s, "demo", r.str("access_token")).JSON, base)
}

// keyOrder lists the top-level keys of a JSON object in document order.
func keyOrder(t *testing.T, raw []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
