package main_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/internal/testenv"
)

// The production command on PostgreSQL: explicit settings, the configured
// hostname in issued URLs, a first start that needs the bootstrap password,
// and two processes sharing one database.
func TestStartOnPostgres(t *testing.T) {
	dbURL := testenv.PostgresURL(t)
	base := []string{"start", "--db", "postgres", "--hostname", "https://id.example.com/",
		"--http-host", "127.0.0.1", "--http-port", "0"}

	// First start without a bootstrap password: refused, exit code 2.
	out, err := exec.Command(binary, base...).CombinedOutput()
	if err == nil {
		t.Fatalf("start without --db-url succeeded:\n%s", out)
	}
	cmd := exec.Command(binary, append(base, "--db-url", dbURL)...)
	out, err = cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "--bootstrap-admin-password") {
		t.Fatalf("first start without a bootstrap password: %v\n%s", err, out)
	}

	env := []string{"LATCHKEY_DB_URL=" + dbURL, "LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD=first-pw"}
	a := start(t, env, base...)
	code, master := a.get(t, "/realms/master")
	if code != 200 || master["token-service"] != "https://id.example.com/realms/master/protocol/openid-connect" {
		t.Errorf("issued URLs must use --hostname: %d %v", code, master)
	}
	if strings.Contains(a.log(), "first-pw") {
		t.Error("the bootstrap password reached the log")
	}

	// A second process on the same database: no bootstrap needed, same keys.
	b := start(t, []string{"LATCHKEY_DB_URL=" + dbURL}, base...)
	if _, other := b.get(t, "/realms/master"); other["public_key"] != master["public_key"] {
		t.Error("two processes on one database publish different keys")
	}
	if strings.Contains(b.log(), "created master realm") {
		t.Error("the second process bootstrapped again")
	}
	a.stop(t)
	b.stop(t)
}
