package oidc_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/latchkey/latchkey/internal/model"
	"github.com/latchkey/latchkey/internal/testenv"
)

// TestBootstrapAdminToken: the bootstrap admin gets a token from admin-cli
// in master, as every Keycloak admin tool does first.
func TestBootstrapAdminToken(t *testing.T) {
	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		r := login(t, s, "master", "client_id", "admin-cli", "username", testenv.AdminUser, "password", testenv.AdminPassword)
		c := testenv.Claims(t, r.str("access_token"))
		roles, _ := c["realm_access"].(map[string]any)["roles"].([]any)
		if c["preferred_username"] != testenv.AdminUser || c["azp"] != "admin-cli" ||
			c["iss"] != s.URL+"/realms/master" || !slices.Contains(roles, any("admin")) {
			t.Errorf("admin token claims %v", c)
		}
		// Keycloak's master realm has a 60 s access token lifespan
		// (ApplianceBootstrap); latchkey's master uses the 300 s default, so
		// only the presence of the fields is asserted here.
		if exp, _ := r.JSON["expires_in"].(float64); r.str("refresh_token") == "" || exp <= 0 {
			t.Errorf("admin token response %s", r.Raw)
		}
	})
}

// keycloakCredential is a password credential as a Keycloak export holds it.
func keycloakCredential(secret, data any) string {
	s, _ := json.Marshal(secret)
	d, _ := json.Marshal(data)
	c, _ := json.Marshal(map[string]string{"type": "password", "secretData": string(s), "credentialData": string(d)})
	return string(c)
}

// TestImportedHashesLogIn: users exported from Keycloak with a
// pbkdf2-sha256 or an older argon2 hash log in with their old passwords,
// and are re-hashed with the realm's algorithm (argon2id, Keycloak 26's
// parameters) on the way.
func TestImportedHashesLogIn(t *testing.T) {
	salt := []byte("0123456789abcdef")
	const oldPBKDF2, oldArgon2 = "pbkdf2-old-pw", "argon2-old-pw"
	dk, err := pbkdf2.Key(sha256.New, oldPBKDF2, salt, 27500, 64)
	if err != nil {
		t.Fatal(err)
	}
	pbkdf2Cred := keycloakCredential(
		map[string]any{"value": base64.StdEncoding.EncodeToString(dk), "salt": base64.StdEncoding.EncodeToString(salt), "additionalParameters": map[string]any{}},
		map[string]any{"hashIterations": 27500, "algorithm": "pbkdf2-sha256", "additionalParameters": map[string]any{}})
	ak := argon2.IDKey([]byte(oldArgon2), salt, 3, 4096, 1, 32)
	argonCred := keycloakCredential(
		map[string]any{"value": base64.StdEncoding.EncodeToString(ak), "salt": base64.StdEncoding.EncodeToString(salt), "additionalParameters": map[string]any{}},
		map[string]any{"hashIterations": 3, "algorithm": "argon2", "additionalParameters": map[string][]string{
			"hashLength": {"32"}, "memory": {"4096"}, "type": {"id"}, "version": {"1.3"}, "parallelism": {"1"}}})

	testenv.EachServer(t, func(t *testing.T, s *testenv.Server) {
		s.ImportRealm(fmt.Sprintf(`{"realm":"old","enabled":true,
		  "clients":[{"clientId":"app","publicClient":true,"directAccessGrantsEnabled":true}],
		  "users":[{"username":"pat","enabled":true,"credentials":[%s]},
		           {"username":"ari","enabled":true,"credentials":[%s]}]}`, pbkdf2Cred, argonCred))
		realm := s.Realm("old")
		for _, u := range []struct{ name, pw, before string }{{"pat", oldPBKDF2, "pbkdf2-sha256"}, {"ari", oldArgon2, "argon2"}} {
			t.Run(u.name, func(t *testing.T) {
				user, err := s.Store.GetUserByUsername(ctx(), realm.ID, u.name)
				if err != nil {
					t.Fatal(err)
				}
				before := passwordData(t, s, user)
				if before.Algorithm != u.before {
					t.Fatalf("imported credential %+v", before)
				}
				wrong := postForm(t, oidcURL(s, "old", "token"), form("grant_type", "password", "client_id", "app",
					"username", u.name, "password", u.pw+"x"))
				wantOAuthError(t, wrong, http.StatusUnauthorized, "invalid_grant", "Invalid user credentials")
				if again := passwordData(t, s, user); again != before {
					t.Errorf("a failed login changed the credential: %+v", again)
				}

				r := login(t, s, "old", "client_id", "app", "username", u.name, "password", u.pw)
				if testenv.Claims(t, r.str("access_token"))["preferred_username"] != u.name {
					t.Errorf("token of %s: %s", u.name, r.Raw)
				}
				after := passwordData(t, s, user)
				want := hashData{Algorithm: "argon2", HashIterations: 5, Memory: "7168", Type: "id", HashLength: "32"}
				if after != want {
					t.Errorf("credential after login %+v, want %+v", after, want)
				}
				// The new hash verifies the same password.
				login(t, s, "old", "client_id", "app", "username", u.name, "password", u.pw)
			})
		}
	})
}

type hashData struct {
	Algorithm                string
	HashIterations           int
	Memory, Type, HashLength string
}

func passwordData(t *testing.T, s *testenv.Server, u *model.User) hashData {
	t.Helper()
	creds, err := s.Store.ListCredentials(ctx(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range creds {
		if c.Type != model.CredentialPassword {
			continue
		}
		var d struct {
			HashIterations       int                 `json:"hashIterations"`
			Algorithm            string              `json:"algorithm"`
			AdditionalParameters map[string][]string `json:"additionalParameters"`
		}
		if err := json.Unmarshal([]byte(c.CredentialData), &d); err != nil {
			t.Fatalf("credentialData %q: %v", c.CredentialData, err)
		}
		first := func(k string) string {
			if v := d.AdditionalParameters[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		return hashData{Algorithm: d.Algorithm, HashIterations: d.HashIterations,
			Memory: first("memory"), Type: first("type"), HashLength: first("hashLength")}
	}
	t.Fatalf("%s has no password", u.Username)
	return hashData{}
}
