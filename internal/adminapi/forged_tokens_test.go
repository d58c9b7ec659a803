package adminapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
	"github.com/latchkey/latchkey/internal/testenv"
)

// jwtClaims decodes a compact JWS's header and claims without verifying.
func jwtClaims(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %.40s", tok)
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, dst) != nil {
			t.Fatalf("JWS part %d: %v", i, err)
		}
	}
	return header, claims
}

// compact assembles header.claims.signature; sign gets the signing input.
func compact(t *testing.T, header, claims map[string]any, sign func([]byte) []byte) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(header) + "." + enc(claims)
	var sig []byte
	if sign != nil {
		sig = sign([]byte(in))
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// signWith signs claims, changed by changes (nil deletes), with keys.
func signWith(t *testing.T, keys []model.SigningKey, alg string, claims, changes map[string]any) string {
	t.Helper()
	c := maps.Clone(claims)
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	ks, err := signing.NewKeySet("x", keys)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	tok, err := ks.Sign(alg, b)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestForgedAdminTokens: the admin API answers Keycloak's bare 401 to
// every token it did not issue as it stands: wrong signature, alg none,
// altered claims, expired, another type, another issuer, a user or
// session that no longer exists. The genuine token keeps working.
func TestForgedAdminTokens(t *testing.T) {
	s := testenv.NewServer(t)
	ctx := context.Background()
	s.ImportRealm(`{"realm":"demo","enabled":true}`)
	master := s.Realm("master")
	masterKeys, err := s.Store.ListKeys(ctx, master.ID)
	if err != nil {
		t.Fatal(err)
	}
	demoKeys, err := s.Store.ListKeys(ctx, s.Realm("demo").ID)
	if err != nil {
		t.Fatal(err)
	}
	genuine := masterToken(t, s)
	header, claims := jwtClaims(t, genuine)
	alg := header["alg"].(string)
	_, sig, _ := strings.Cut(genuine[strings.Index(genuine, ".")+1:], ".")
	genuineSig, _ := base64.RawURLEncoding.DecodeString(sig)

	stranger, err := signing.NewKey(master.ID, "master", alg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	stranger.ID = header["kid"].(string) // same kid, different key
	future := time.Now().Add(time.Hour).Unix()
	forged := map[string]string{
		"garbage":             "not-a-token",
		"two parts":           strings.Join(strings.Split(genuine, ".")[:2], "."),
		"empty signature":     compact(t, header, claims, nil),
		"alg none":            compact(t, map[string]any{"alg": "none", "typ": "JWT"}, claims, nil),
		"alg none, kid kept":  compact(t, map[string]any{"alg": "none", "kid": header["kid"]}, claims, nil),
		"stranger key":        signWith(t, []model.SigningKey{stranger}, alg, claims, nil),
		"altered payload":     compact(t, header, merge(claims, map[string]any{"exp": future, "preferred_username": "x"}), func([]byte) []byte { return genuineSig }),
		"expired":             signWith(t, masterKeys, alg, claims, map[string]any{"exp": time.Now().Add(-time.Second).Unix()}),
		"refresh type":        signWith(t, masterKeys, alg, claims, map[string]any{"typ": "Refresh"}),
		"ID token type":       signWith(t, masterKeys, alg, claims, map[string]any{"typ": "ID"}),
		"no subject":          signWith(t, masterKeys, alg, claims, map[string]any{"sub": nil}),
		"unknown subject":     signWith(t, masterKeys, alg, claims, map[string]any{"sub": "00000000-0000-0000-0000-000000000000"}),
		"foreign issuer host": signWith(t, masterKeys, alg, claims, map[string]any{"iss": "http://evil.example/realms/master"}),
		"issuer of demo, master's key": signWith(t, masterKeys, alg, claims,
			map[string]any{"iss": s.URL + "/realms/demo"}),
		"issuer of demo, demo's key": signWith(t, demoKeys, alg, claims,
			map[string]any{"iss": s.URL + "/realms/demo"}),
		"unknown realm issuer": signWith(t, masterKeys, alg, claims, map[string]any{"iss": s.URL + "/realms/nope"}),
		"dot-dot issuer":       signWith(t, masterKeys, alg, claims, map[string]any{"iss": s.URL + "/realms/demo/../master"}),
		"unknown session":      signWith(t, masterKeys, alg, claims, map[string]any{"sid": "no-such-session"}),
	}
	// The RSA public key as an HMAC secret.
	for _, k := range masterKeys {
		if k.Algorithm != signing.RS256 {
			continue
		}
		pub, err := signing.PublicKeyBase64(k)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := base64.StdEncoding.DecodeString(pub)
		for name, secret := range map[string][]byte{"base64": []byte(pub), "DER": der} {
			forged["HS256 with the public key "+name] = compact(t, map[string]any{"alg": "HS256", "kid": k.ID}, claims,
				func(in []byte) []byte { m := hmac.New(sha256.New, secret); m.Write(in); return m.Sum(nil) })
		}
	}
	for name, tok := range forged {
		for _, path := range []string{"/admin/realms/master/users", "/admin/realms/demo/users", "/admin/realms"} {
			expect(t, name+" "+path, call(t, s, http.MethodGet, path, tok, nil), 401, body401)
		}
	}
	expect(t, "genuine", call(t, s, http.MethodGet, "/admin/realms/master/users", genuine, nil), 200, "")

	// After logout the session's access tokens are refused too.
	form := url.Values{"grant_type": {"password"}, "client_id": {"admin-cli"},
		"username": {testenv.AdminUser}, "password": {testenv.AdminPassword}}
	resp, err := http.PostForm(s.URL+"/realms/master/protocol/openid-connect/token", form)
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

func merge(a, b map[string]any) map[string]any {
	c := maps.Clone(a)
	maps.Copy(c, b)
	return c
}
