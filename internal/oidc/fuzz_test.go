package oidc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzFormEndpoints: whatever form body and client credentials reach the
// token, introspection, revocation and logout endpoints, the answer is
// never a 5xx, an error is Keycloak's OAuth JSON shape (or its bare Basic
// challenge), and a 200 from
// the token endpoint carries a token.
func FuzzFormEndpoints(f *testing.F) {
	s := newRealm(f, "", "")
	endpoints := []string{"token", "token/introspect", "revoke", "logout"}
	seeds := []string{
		"grant_type=password&client_id=app&username=alice&password=" + alicePW,
		"grant_type=client_credentials&client_id=svc&client_secret=" + svcSecret,
		"grant_type=refresh_token&client_id=app&refresh_token=a.b.c",
		"grant_type=password&grant_type=client_credentials&client_id=svc",
		"client_id=confidential&client_secret=" + appSecret + "&token=x.y.z&token_type_hint=refresh_token",
		"grant_type=%zz", "client_id=%00&grant_type=password", "scope=openid%20openid&client_id=app",
		"", "&&&==", strings.Repeat("a=b&", 200),
	}
	for i, b := range seeds {
		f.Add(uint8(i), b, "")
	}
	f.Add(uint8(0), "grant_type=client_credentials", "svc:"+svcSecret)
	f.Add(uint8(1), "token=abc", "confidential:wrong")
	f.Add(uint8(0), "grant_type=client_credentials", "svc%zz:x")
	client := &http.Client{Timeout: 30 * time.Second}
	f.Fuzz(func(t *testing.T, which uint8, body, basic string) {
		ep := endpoints[int(which)%len(endpoints)]
		req, err := http.NewRequest(http.MethodPost, oidcURL(s, "demo", ep), strings.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if user, pass, ok := strings.Cut(basic, ":"); ok {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", ep, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %q (basic %q): %d %s", ep, body, basic, resp.StatusCode, raw)
		}
		var m map[string]any
		// A Basic header that does not parse, with no client_id, is
		// Keycloak's bare challenge (ClientIdAndSecretAuthenticator).
		challenge := resp.StatusCode == http.StatusUnauthorized && len(raw) == 0 &&
			strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic realm=")
		if resp.StatusCode >= 400 && !challenge {
			if json.Unmarshal(raw, &m) != nil || m["error"] == nil {
				t.Fatalf("%s %q: %d without an OAuth error body: %s", ep, body, resp.StatusCode, raw)
			}
		}
		if ep == "token" && resp.StatusCode == http.StatusOK {
			if json.Unmarshal(raw, &m) != nil || m["access_token"] == nil {
				t.Fatalf("token %q: 200 without a token: %s", body, raw)
			}
		}
	})
}
