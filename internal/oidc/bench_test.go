package oidc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/signing"
)

// Benchmarks of the token service end to end: a real server on loopback,
// SQLite, HTTP keep-alive, b.RunParallel with GOMAXPROCS (-cpu) goroutines.
// Each reports tokens/s; with -cpu 1 that is tokens per second per core.
// BenchmarkSign is the raw signing rate of one access token, the ceiling.

var benchAlgs = []string{"RS256", "ES256", "EdDSA"}

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}
}

// benchPost posts a form and reports an error unless the answer is 200
// (b.Error: it runs in RunParallel's goroutines); it decodes the body
// into into when that is not nil.
func benchPost(b *testing.B, c *http.Client, u string, body string, into any) {
	res, err := c.Post(u, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		b.Error(err)
		return
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(res.Body)
		b.Errorf("%d %s", res.StatusCode, raw)
		return
	}
	if into != nil {
		if err := json.NewDecoder(res.Body).Decode(into); err != nil {
			b.Error(err)
		}
		return
	}
	_, _ = io.Copy(io.Discard, res.Body)
}

func realmAlg(alg string) string {
	if alg == "RS256" {
		return ""
	}
	return alg
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkClientCredentials(b *testing.B) {
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			s := newRealm(b, realmAlg(alg), "")
			u := oidcURL(s, "demo", "token")
			body := url.Values{"grant_type": {"client_credentials"}, "client_id": {"svc"}, "client_secret": {svcSecret}}.Encode()
			c := benchClient()
			benchPost(b, c, u, body, nil)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					benchPost(b, c, u, body, nil)
				}
			})
			reportRate(b)
		})
	}
}

// BenchmarkPasswordGrant: argon2id with Keycloak 26's parameters
// dominates; RS256 tokens with a refresh token and a new session each.
func BenchmarkPasswordGrant(b *testing.B) {
	s := newRealm(b, "", "")
	u := oidcURL(s, "demo", "token")
	body := url.Values{"grant_type": {"password"}, "client_id": {"confidential"}, "client_secret": {appSecret},
		"username": {"alice"}, "password": {alicePW}}.Encode()
	c := benchClient()
	benchPost(b, c, u, body, nil)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchPost(b, c, u, body, nil)
		}
	})
	reportRate(b)
}

// BenchmarkRefreshGrant: each goroutine logs in once, then refreshes,
// always with the newest refresh token (rotation).
func BenchmarkRefreshGrant(b *testing.B) {
	s := newRealm(b, "", "")
	u := oidcURL(s, "demo", "token")
	login := url.Values{"grant_type": {"password"}, "client_id": {"confidential"}, "client_secret": {appSecret},
		"username": {"alice"}, "password": {alicePW}}.Encode()
	c := benchClient()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var tok struct {
			RefreshToken string `json:"refresh_token"`
		}
		benchPost(b, c, u, login, &tok)
		for pb.Next() {
			body := url.Values{"grant_type": {"refresh_token"}, "client_id": {"confidential"},
				"client_secret": {appSecret}, "refresh_token": {tok.RefreshToken}}.Encode()
			benchPost(b, c, u, body, &tok)
		}
	})
	reportRate(b)
}

// BenchmarkSign is the raw rate of signing one access token's claims
// with signing.KeySet.Sign, without HTTP, storage or claims building.
func BenchmarkSign(b *testing.B) {
	claims := []byte(`{"exp":1735689900,"iat":1735689600,"auth_time":1735689600,"jti":"onrtro:8a1b3c4d-0000-4000-8000-000000000000",` +
		`"iss":"http://127.0.0.1:8080/realms/demo","aud":"account","sub":"f3b1c6a0-0000-4000-8000-000000000000","typ":"Bearer",` +
		`"azp":"confidential","sid":"5f0c0000-0000-4000-8000-000000000000","acr":"1","allowed-origins":["https://conf.test"],` +
		`"realm_access":{"roles":["default-roles-demo","offline_access","uma_authorization","user"]},` +
		`"resource_access":{"account":{"roles":["manage-account","manage-account-links","view-profile"]}},` +
		`"scope":"openid email profile","email_verified":true,"name":"Alice Liddell","preferred_username":"alice",` +
		`"given_name":"Alice","family_name":"Liddell","email":"alice@example.com"}`)
	for _, alg := range benchAlgs {
		b.Run(alg, func(b *testing.B) {
			k, err := signing.NewKey("r", "demo", alg, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			ks, err := signing.NewKeySet("r", []model.SigningKey{k})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := ks.Sign(alg, claims); err != nil {
						b.Error(err)
						return
					}
				}
			})
			reportRate(b)
		})
	}
}
