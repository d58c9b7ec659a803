package export_test

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/latchkey/latchkey/internal/cli"
	"github.com/latchkey/latchkey/internal/config"
	"github.com/latchkey/latchkey/internal/testenv"
)

// db is a database the CLI and a test server can both open: the CLI's
// options and the server's configuration for it.
type db struct {
	args []string
	opt  func(*config.Config)
}

func sqliteDB(t *testing.T) db {
	dir := t.TempDir()
	return db{args: []string{"--data-dir", dir}, opt: func(c *config.Config) { c.DataDir = dir }}
}

func postgresDB(t *testing.T) db {
	u := testenv.PostgresURL(t)
	return db{args: []string{"--db", "postgres", "--db-url", u}, opt: func(c *config.Config) {
		c.DB, c.DBURL = config.DBPostgres, u
	}}
}

// eachBackend runs fn with a fresh-database maker on SQLite and, when
// LATCHKEY_TEST_POSTGRES_URL is set, PostgreSQL.
func eachBackend(t *testing.T, fn func(t *testing.T, newDB func(t *testing.T) db)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteDB) })
	t.Run("postgres", func(t *testing.T) { fn(t, postgresDB) })
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// latchkey runs the command line as the binary does, with an empty
// environment, and returns the exit code and stderr.
func latchkey(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb syncBuffer
	code := cli.Main(context.Background(), args, func(string) (string, bool) { return "", false }, &out, &errb)
	return code, errb.String()
}

// mustRun runs the command line and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, stderr := latchkey(t, args...)
	if code != 0 {
		t.Fatalf("latchkey %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stderr
}

func withArgs(d db, args ...string) []string { return append(args, d.args...) }

// hashedCredential is a Keycloak export credential made independently of
// latchkey's code, as the named Keycloak provider makes it.
func hashedCredential(algorithm string, iterations int, secret map[string]any, params map[string][]string) string {
	sd, _ := json.Marshal(secret)
	cd, _ := json.Marshal(map[string]any{"hashIterations": iterations, "algorithm": algorithm,
		"additionalParameters": params})
	cred, _ := json.Marshal(map[string]any{"type": "password", "createdDate": 1700000000000,
		"secretData": string(sd), "credentialData": string(cd)})
	return string(cred)
}

func pbkdf2Credential(algorithm string, h func() hash.Hash, iterations, keyLen int, pw string) string {
	salt := []byte("keycloak-salt-16")
	key, _ := pbkdf2.Key(h, pw, salt, iterations, keyLen)
	return hashedCredential(algorithm, iterations, map[string]any{
		"value": base64.StdEncoding.EncodeToString(key), "salt": base64.StdEncoding.EncodeToString(salt),
		"additionalParameters": map[string]any{}}, map[string][]string{})
}

func bcryptCredential(pw string) string {
	bc, _ := bcrypt.GenerateFromPassword([]byte(pw), 10)
	return hashedCredential("bcrypt", 10, map[string]any{"value": string(bc), "salt": "",
		"additionalParameters": map[string]any{}}, map[string][]string{})
}

// tokenClaims asks the token endpoint for a token and returns the access
// token's claims, or the error body and status.
func tokenClaims(t *testing.T, base, realm string, form url.Values) (map[string]any, int, string) {
	t.Helper()
	res, err := http.PostForm(base+"/realms/"+realm+"/protocol/openid-connect/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return nil, res.StatusCode, string(body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok.AccessToken, ".")
	if len(parts) != 3 {
		t.Fatalf("access token %q", tok.AccessToken)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims, res.StatusCode, ""
}

// roles lists a token's roles as "realm-role" and "client/role", sorted.
func roles(claims map[string]any) []string {
	var out []string
	if ra, ok := claims["realm_access"].(map[string]any); ok {
		for _, r := range ra["roles"].([]any) {
			out = append(out, r.(string))
		}
	}
	if rs, ok := claims["resource_access"].(map[string]any); ok {
		for client, v := range rs {
			for _, r := range v.(map[string]any)["roles"].([]any) {
				out = append(out, client+"/"+r.(string))
			}
		}
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// writeJSON writes v (a string is written as is) to dir/name.
func writeJSON(t *testing.T, dir, name string, v any) string {
	t.Helper()
	var data []byte
	if s, ok := v.(string); ok {
		data = []byte(s)
	} else {
		var err error
		if data, err = json.MarshalIndent(v, "", "  "); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// readJSON decodes a file into a generic value.
func readJSON(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// plainUsers makes n users without credentials named prefix-000...
func plainUsers(prefix string, from, n int) []map[string]any {
	out := make([]map[string]any, 0, n)
	for i := from; i < from+n; i++ {
		out = append(out, map[string]any{"username": fmt.Sprintf("%s-%03d", prefix, i), "enabled": true,
			"email": fmt.Sprintf("%s-%03d@example.com", prefix, i), "realmRoles": []string{"member"}})
	}
	return out
}

func formValues(grant, client, user, pw string) url.Values {
	return url.Values{"grant_type": {grant}, "client_id": {client}, "username": {user}, "password": {pw}}
}
