package securitytest_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/app"
	"github.com/latchkey/latchkey/internal/config"
)

// Client secrets and SMTP passwords are encrypted in the database: no file
// of the data directory (database, WAL) holds them, yet the client
// authenticates and the admin API shows its secret; a server given another
// key refuses to start rather than fail every client.
func TestSecretsEncryptedAtRest(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, func(c *config.Config) { c.DataDir = dir })
	const secret, smtpPw = "At-rest-client-secret-Q8v3", "At-rest-smtp-password-Z2k7"
	tok := s.adminToken()
	want(t, "realm", s.call("POST", "/admin/realms", tok, map[string]any{"realm": "vault", "enabled": true,
		"smtpServer": map[string]string{"host": "127.0.0.1", "port": "1", "from": "a@example.com",
			"auth": "true", "user": "relay", "password": smtpPw}}), 201)
	want(t, "client", s.call("POST", "/admin/realms/vault/clients", tok, map[string]any{
		"clientId": "backend", "publicClient": false, "secret": secret, "serviceAccountsEnabled": true}), 201)
	m := s.token("vault", url.Values{"grant_type": {"client_credentials"}}, "backend", secret)
	if m["access_token"] == nil {
		t.Fatalf("client_credentials with the secret: %v", m)
	}
	r := s.call("GET", "/admin/realms/vault/clients?clientId=backend", tok, nil)
	if !strings.Contains(r.Body, secret) {
		t.Fatalf("the admin API does not show the secret to a manage-clients caller: %.300s", r.Body)
	}

	files, err := filepath.Glob(filepath.Join(dir, "latchkey.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no database files in %s: %v", dir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]string{"client secret": secret, "SMTP password": smtpPw} {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s is in clear in %s", name, filepath.Base(f))
			}
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "secrets.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}

	// Another key for the same database: start-up fails and says why.
	other := filepath.Join(t.TempDir(), "other.key")
	if err := os.WriteFile(other, []byte("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := s.Cfg
	cfg.SecretsKeyFile = other
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil {
		_ = a.Close()
		t.Fatal("a server with another key started")
	}
	if !strings.Contains(err.Error(), "does not open with this key") {
		t.Fatalf("start-up error: %v", err)
	}
}
