package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/testenv"
)

// The --argon2-* options reach the hashes the server makes: a user who
// registers gets a credential with those parameters and logs in with it.
// Without them, hashes keep Keycloak's defaults.
func TestArgon2OptionsMakeTheHashes(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  func(*config.Config)
		want []string
	}{
		{"owasp", func(c *config.Config) { c.Argon2MemoryKiB, c.Argon2Iterations, c.Argon2Parallelism = 19456, 2, 1 },
			[]string{`"hashIterations":2`, `"memory":["19456"]`, `"parallelism":["1"]`}},
		{"defaults", func(*config.Config) {}, []string{`"hashIterations":5`, `"memory":["7168"]`, `"parallelism":["1"]`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := testenv.NewServer(t, c.opt)
			r := s.ImportRealm(`{"realm":"r","enabled":true,"registrationAllowed":true,
				"attributes":{"registrationRateLimitPerAddress":"0","registrationRateLimitPerRealm":"0"},
				"clients":[{"clientId":"app","publicClient":true,"directAccessGrantsEnabled":true}]}`)
			res, err := http.Post(s.URL+"/realms/r/protocol/openid-connect/registrations", "application/json",
				strings.NewReader(`{"username":"ann","email":"ann@example.com","firstName":"Ann","lastName":"Lee","password":"Correct-horse-1"}`))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("registration answered %d", res.StatusCode)
			}
			ctx := context.Background()
			u, err := s.Store.GetUserByUsername(ctx, r.ID, "ann")
			if err != nil {
				t.Fatal(err)
			}
			creds, err := s.Store.ListCredentials(ctx, u.ID)
			if err != nil || len(creds) != 1 {
				t.Fatalf("credentials: %v, %v", creds, err)
			}
			for _, w := range c.want {
				if !strings.Contains(creds[0].CredentialData, w) {
					t.Errorf("credential data %s lacks %s", creds[0].CredentialData, w)
				}
			}
			res, err = http.PostForm(s.URL+"/realms/r/protocol/openid-connect/token", url.Values{"grant_type": {"password"},
				"client_id": {"app"}, "username": {"ann"}, "password": {"Correct-horse-1"}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("login answered %d", res.StatusCode)
			}
			// A login under the same parameters re-hashes nothing.
			after, err := s.Store.ListCredentials(ctx, u.ID)
			if err != nil || len(after) != 1 || after[0].SecretData != creds[0].SecretData {
				t.Errorf("the login re-hashed the credential: %v, %v", after, err)
			}
		})
	}
}
