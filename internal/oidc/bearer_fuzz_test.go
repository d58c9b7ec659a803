package oidc_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/testenv"
)

// bearerTargets are where FuzzBearer sends its token: userinfo (header on
// GET and POST, form parameter on POST, another realm's userinfo) and an
// admin endpoint.
var bearerTargets = []struct{ method, path, via string }{
	{http.MethodGet, "/realms/demo/protocol/openid-connect/userinfo", "header"},
	{http.MethodPost, "/realms/demo/protocol/openid-connect/userinfo", "header"},
	{http.MethodPost, "/realms/demo/protocol/openid-connect/userinfo", "form"},
	{http.MethodGet, "/realms/master/protocol/openid-connect/userinfo", "header"},
	{http.MethodGet, "/admin/realms/demo/users", "header"},
}

// FuzzBearer: whatever Authorization header (or access_token form
// parameter) reaches userinfo or the admin API, with no genuine live
// token among the seeds (forgeries of one, tokens of the wrong type or of
// a closed session, truncated, oversized, wrongly segmented, base64
// garbage), the answer is never a 200 nor a 5xx: userinfo answers 400 or
// 401 with an OAuth error body, the admin API Keycloak's 401.
//
//	go test ./internal/oidc -run '^$' -fuzz FuzzBearer -fuzztime 60s
func FuzzBearer(f *testing.F) {
	s := newRealm(f, "", "")
	alice := aliceLogin(f, s)
	access := alice.str("access_token")
	seeds := []string{alice.str("refresh_token"), alice.str("id_token")}
	for _, tok := range testenv.Forgeries(f, s, "demo", access) {
		seeds = append(seeds, tok)
	}
	// Genuine access tokens whose session is closed: dave's, and the
	// master admin's (which the admin API would otherwise take).
	for _, in := range [][]string{{"demo", "app", "dave", "dave-pw-1"},
		{"master", "admin-cli", testenv.AdminUser, testenv.AdminPassword}} {
		r := login(f, s, in[0], "client_id", in[1], "username", in[2], "password", in[3])
		out := postForm(f, oidcURL(s, in[0], "logout"), form("client_id", in[1], "refresh_token", r.str("refresh_token")))
		if out.Status != http.StatusNoContent {
			f.Fatalf("logout %s: %d %s", in[2], out.Status, out.Raw)
		}
		seeds = append(seeds, r.str("access_token"))
	}
	parts := strings.Split(access, ".")
	seeds = append(seeds,
		access[:len(access)/2], parts[0]+"."+parts[1], parts[0]+"."+parts[1]+".", "."+parts[1]+"."+parts[2],
		parts[0]+".."+parts[2], access+"."+parts[2], strings.Repeat(parts[1]+".", 50),
		parts[0]+"."+base64.StdEncoding.EncodeToString([]byte(`{"iss":"`+s.URL+`/realms/demo","typ":"Bearer"}`))+"."+parts[2],
		base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256"}`))+"."+
			base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+s.URL+`/realms/master","sub":"x","typ":"Bearer","exp":9999999999}`))+".x",
		"a.b.c", "...", "=.=.=", "%%%", "null", "{}", strings.Repeat("A", 9000), strings.Repeat("a.", 2000), "")
	for _, tok := range seeds {
		for i := range bearerTargets {
			f.Add(uint8(i), "Bearer "+tok)
		}
	}
	for _, h := range []string{"bearer " + access[:20], "BEARER  " + parts[1], "Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4tcHc=",
		"Token " + parts[1], "Bearer\t" + parts[0], "Bearer x y z", "Bearer " + strings.Repeat("\xff", 10), "DPoP " + parts[1]} {
		f.Add(uint8(0), h)
		f.Add(uint8(4), h)
	}

	client := &http.Client{Timeout: 30 * time.Second}
	f.Fuzz(func(t *testing.T, which uint8, auth string) {
		target := bearerTargets[int(which)%len(bearerTargets)]
		if len(auth) > 256<<10 || strings.ContainsFunc(auth, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			t.Skip("not a header value net/http would send")
		}
		var body io.Reader
		if target.method == http.MethodPost {
			tok := ""
			if target.via == "form" {
				tok = strings.TrimPrefix(auth, "Bearer ")
			}
			body = strings.NewReader(url.Values{"access_token": {tok}}.Encode())
		}
		req, err := http.NewRequest(target.method, s.URL+target.path, body)
		if err != nil {
			t.Fatal(err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if target.via == "header" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", target.method, target.path, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m map[string]any
		isJSON := json.Unmarshal(raw, &m) == nil
		e, _ := m["error"].(string)
		switch {
		case resp.StatusCode >= 500 || resp.StatusCode < 400:
			t.Fatalf("%s %s (%s %.200q): %d %s", target.method, target.path, target.via, auth, resp.StatusCode, raw)
		case strings.HasPrefix(target.path, "/admin/"):
			if resp.StatusCode != http.StatusUnauthorized || e != "HTTP 401 Unauthorized" ||
				resp.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Fatalf("admin API (%.200q): %d %s %q, want Keycloak's 401", auth, resp.StatusCode, raw,
					resp.Header.Get("WWW-Authenticate"))
			}
		default:
			if (resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusBadRequest) || !isJSON || e == "" {
				t.Fatalf("%s %s (%s %.200q): %d %s, want 400 or 401 with an OAuth error", target.method, target.path,
					target.via, auth, resp.StatusCode, raw)
			}
		}
	})
}
