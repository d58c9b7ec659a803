package cli_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/internal/cli"
)

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

func env(kv map[string]string) cli.Env {
	return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
}

func run(t *testing.T, e map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb syncBuffer
	code := cli.Main(context.Background(), args, env(e), &out, &errb)
	return code, out.String(), errb.String()
}

func TestStartRefusesMissingSettings(t *testing.T) {
	code, _, stderr := run(t, nil, "start")
	if code != cli.ExitConfig {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"--db (LATCHKEY_DB)", "--hostname (LATCHKEY_HOSTNAME)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not list %s:\n%s", want, stderr)
		}
	}
	if n := strings.Count(stderr, "\n  --"); n != 2 {
		t.Errorf("want one line per problem (2), got %d:\n%s", n, stderr)
	}
}

func TestStartFirstStartNeedsBootstrapPassword(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := run(t, nil, "start", "--db", "sqlite", "--db-url", dir+"/x.db",
		"--hostname", "https://id.example.com", "--http-host", "127.0.0.1", "--http-port", "0")
	if code != cli.ExitConfig || !strings.Contains(stderr, "--bootstrap-admin-password (LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD)") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestMalformedValues(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"env port", map[string]string{"LATCHKEY_HTTP_PORT": "eighty"}, []string{"start-dev"},
			[]string{`--http-port (LATCHKEY_HTTP_PORT): invalid value "eighty"`}},
		{"env several", map[string]string{"LATCHKEY_HTTP_PORT": "x", "LATCHKEY_SHUTDOWN_TIMEOUT": "soon"}, []string{"start-dev"},
			[]string{"--http-port", "--shutdown-timeout"}},
		{"env db kind", map[string]string{"LATCHKEY_DB": "mysql"}, []string{"start-dev"},
			[]string{`--db (LATCHKEY_DB): must be sqlite or postgres, got "mysql"`}},
		{"flag port", nil, []string{"start-dev", "--http-port", "x"}, []string{"http-port"}},
		{"unknown flag", nil, []string{"start-dev", "--no-such-flag"}, []string{"no-such-flag"}},
		{"log level", nil, []string{"start-dev", "--log-level", "loud"}, []string{"--log-level"}},
		{"pprof on a public address", nil, []string{"start-dev", "--debug-pprof-addr", "0.0.0.0:6060"},
			[]string{"--debug-pprof-addr (LATCHKEY_DEBUG_PPROF_ADDR): must be on loopback"}},
		{"pprof without a port", map[string]string{"LATCHKEY_DEBUG_PPROF_ADDR": "127.0.0.1"}, []string{"start-dev"},
			[]string{"--debug-pprof-addr (LATCHKEY_DEBUG_PPROF_ADDR): must be host:port"}},
		{"env argon2 memory", map[string]string{"LATCHKEY_ARGON2_MEMORY": "lots"}, []string{"start-dev"},
			[]string{`--argon2-memory (LATCHKEY_ARGON2_MEMORY): invalid value "lots"`}},
		{"argon2 memory too small", nil, []string{"start-dev", "--argon2-memory", "4"},
			[]string{"--argon2-memory (LATCHKEY_ARGON2_MEMORY): must be between 8 KiB per lane"}},
		{"env argon2 iterations", map[string]string{"LATCHKEY_ARGON2_ITERATIONS": "0x"}, []string{"start-dev"},
			[]string{"--argon2-iterations (LATCHKEY_ARGON2_ITERATIONS): invalid value"}},
		{"argon2 parallelism", nil, []string{"start-dev", "--argon2-parallelism", "300"},
			[]string{"--argon2-parallelism (LATCHKEY_ARGON2_PARALLELISM): must be between 1 and 255"}},
		{"pprof on a name", nil, []string{"start-dev", "--debug-pprof-addr", "example.com:6060"},
			[]string{"must be on loopback"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := run(t, c.env, c.args...)
			if code != cli.ExitConfig {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}

func TestFlagWinsOverEnvironment(t *testing.T) {
	// The environment's port is malformed; the flag's is not and wins, so
	// the run gets past option parsing and fails later on --db.
	code, _, stderr := run(t, map[string]string{"LATCHKEY_HTTP_PORT": "bad"}, "start", "--http-port", "9000")
	if code != cli.ExitConfig || strings.Contains(stderr, "http-port") || !strings.Contains(stderr, "--db") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "latchkey ") {
		t.Fatalf("exit %d, out %q", code, out)
	}
}
